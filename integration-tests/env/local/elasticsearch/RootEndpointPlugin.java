import java.util.Collection;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.Supplier;

import org.elasticsearch.Build;
import org.elasticsearch.cluster.ClusterState;
import org.elasticsearch.cluster.metadata.IndexNameExpressionResolver;
import org.elasticsearch.cluster.node.DiscoveryNodes;
import org.elasticsearch.cluster.service.ClusterService;
import org.elasticsearch.common.bytes.BytesArray;
import org.elasticsearch.common.io.stream.NamedWriteableRegistry;
import org.elasticsearch.common.settings.ClusterSettings;
import org.elasticsearch.common.settings.IndexScopedSettings;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.common.settings.SettingsFilter;
import org.elasticsearch.client.internal.node.NodeClient;
import org.elasticsearch.features.NodeFeature;
import org.elasticsearch.node.Node;
import org.elasticsearch.plugins.ActionPlugin;
import org.elasticsearch.plugins.Plugin;
import org.elasticsearch.rest.RestChannel;
import org.elasticsearch.rest.RestController;
import org.elasticsearch.rest.RestHandler;
import org.elasticsearch.rest.RestRequest;
import org.elasticsearch.rest.RestResponse;
import org.elasticsearch.rest.RestStatus;
import org.elasticsearch.xcontent.XContentBuilder;

/**
 * Serves {@code GET /} and {@code HEAD /} (the "info" and "ping" APIs of every Elasticsearch client).
 *
 * <p>Why it exists: in Elasticsearch 8 these two endpoints live in the distribution module {@code rest-root}, which,
 * unlike {@code transport-netty4}, is not published to Maven Central. Without it {@code GET /} answers 405. This is a
 * small stand-in that answers with the same fields as the real module (name, cluster_name, cluster_uuid, version.*,
 * tagline), taken from the running node. Loaded like any module: {@code modules/lockstep-root/} holds only a
 * {@code plugin-descriptor.properties} naming this class, which the module's class loader finds on the launcher's
 * classpath (written by integration-tests/env/local/elasticsearch.ts).
 */
public final class RootEndpointPlugin extends Plugin implements ActionPlugin {
  private volatile ClusterService clusterService;
  private volatile String nodeName = "";

  @Override
  public Collection<?> createComponents(PluginServices services) {
    clusterService = services.clusterService();
    nodeName = Node.NODE_NAME_SETTING.get(services.environment().settings());
    return List.of();
  }

  @Override
  public Collection<RestHandler> getRestHandlers(
      Settings settings,
      NamedWriteableRegistry namedWriteableRegistry,
      RestController restController,
      ClusterSettings clusterSettings,
      IndexScopedSettings indexScopedSettings,
      SettingsFilter settingsFilter,
      IndexNameExpressionResolver indexNameExpressionResolver,
      Supplier<DiscoveryNodes> nodesInCluster,
      Predicate<NodeFeature> clusterSupportsFeature) {
    return List.of(new RootHandler());
  }

  private final class RootHandler implements RestHandler {
    @Override
    public String getName() {
      return "lockstep_main_action";
    }

    @Override
    public List<Route> routes() {
      return List.of(new Route(RestRequest.Method.GET, "/"), new Route(RestRequest.Method.HEAD, "/"));
    }

    @Override
    public void handleRequest(RestRequest request, RestChannel channel, NodeClient client) throws Exception {
      if (request.method() == RestRequest.Method.HEAD) {
        channel.sendResponse(new RestResponse(RestStatus.OK, RestResponse.TEXT_CONTENT_TYPE, BytesArray.EMPTY));
        return;
      }
      ClusterState state = clusterService.state();
      Build build = Build.current();
      XContentBuilder body = channel.newBuilder();
      body.startObject();
      body.field("name", nodeName);
      body.field("cluster_name", state.getClusterName().value());
      body.field("cluster_uuid", state.metadata().clusterUUID());
      body.startObject("version");
      body.field("number", build.qualifiedVersion());
      body.field("build_flavor", build.flavor());
      body.field("build_type", build.type().displayName());
      body.field("build_hash", build.hash());
      body.field("build_date", build.date());
      body.field("build_snapshot", build.isSnapshot());
      body.field("lucene_version", org.apache.lucene.util.Version.LATEST.toString());
      body.field("minimum_wire_compatibility_version", build.minWireCompatVersion());
      body.field("minimum_index_compatibility_version", build.minIndexCompatVersion());
      body.endObject();
      body.field("tagline", "You Know, for Search");
      body.endObject();
      channel.sendResponse(new RestResponse(RestStatus.OK, body));
    }
  }
}

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.elasticsearch.Build;
import org.elasticsearch.common.logging.LogConfigurator;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.env.Environment;
import org.elasticsearch.http.HttpServerTransport;
import org.elasticsearch.node.InternalSettingsPreparer;
import org.elasticsearch.node.Node;
import org.elasticsearch.plugins.PluginBundle;
import org.elasticsearch.plugins.PluginsLoader;

/**
 * Starts one real, single-node Elasticsearch 8 server inside this JVM, for lockstep's integration tests on machines
 * without Docker (see integration-tests/env/local/elasticsearch.ts, which resolves the jars and compiles this file).
 *
 * <p>What it replaces: the distribution's {@code bin/elasticsearch} (a CLI process that forks the server, installs
 * the security manager / entitlements, runs bootstrap checks). None of that is needed for a loopback test server, so
 * this launcher does only what {@code org.elasticsearch.bootstrap.Elasticsearch} does to build a node: configure
 * logging, prepare the {@link Environment}, load the modules found under {@code <home>/modules} and start a
 * {@link Node}. Only public server APIs are used: {@code InternalSettingsPreparer.prepareEnvironment},
 * {@code PluginsLoader.loadModulesBundles/createPluginsLoader}, {@code new Node(Environment, PluginsLoader)}.
 *
 * <p>Layout expected ({@code --home}): {@code lib/} holds the server and its libraries (on this JVM's classpath);
 * {@code modules/transport-netty4/} holds the netty4 module (the HTTP server) with its own
 * {@code plugin-descriptor.properties}, loaded in a child class loader exactly like a distribution module.
 * Everything the node writes (data, logs, config, tmp) goes under {@code --work-dir}, so several runs may share one
 * home.
 *
 * <p>Usage: {@code java -cp 'launcher:lib/*' ElasticsearchLauncher --home DIR --work-dir DIR --http-port N
 * [--transport-port N] [--parent-pid N]}.
 *
 * <p>Lifetime: the JVM ends cleanly (node closed, shards flushed) on SIGTERM/SIGINT, when its stdin reaches end of
 * file (unless stdin is /dev/null, as when the parent ignores it), or when the process {@code --parent-pid} is gone.
 * Once HTTP answers it prints one line starting with {@value #READY_MARKER}.
 */
public final class ElasticsearchLauncher {
  /** The line printed to stdout once the node has started and its HTTP port is bound. */
  static final String READY_MARKER = "LOCKSTEP_ELASTICSEARCH_READY";

  private ElasticsearchLauncher() {}

  public static void main(String[] argv) throws Exception {
    Map<String, String> args = parseArgs(argv);
    Path home = Path.of(required(args, "home")).toAbsolutePath();
    Path work = Path.of(required(args, "work-dir")).toAbsolutePath();
    String httpPort = required(args, "http-port");
    // The transport (node-to-node) port is unused with one node but is always bound; 0 = any free port.
    String transportPort = args.getOrDefault("transport-port", "0");

    // Same system properties as the distribution's default jvm.options, set here so that callers cannot forget them.
    // Log4j must not install its own shutdown hook: ours closes the node first and logs while doing so.
    System.setProperty("log4j.shutdownHookEnabled", "false");
    System.setProperty("log4j2.disable.jmx", "true");
    // Netty: no sun.misc.Unsafe tricks, no selector key-set hack, no per-thread object recycler (ES's own defaults).
    System.setProperty("io.netty.noUnsafe", "true");
    System.setProperty("io.netty.noKeySetOptimization", "true");
    System.setProperty("io.netty.recycler.maxCapacityPerThread", "0");

    Path config = Files.createDirectories(work.resolve("config"));
    Path data = Files.createDirectories(work.resolve("data"));
    Path logs = Files.createDirectories(work.resolve("logs"));

    Settings settings = Settings.builder()
        .put("path.home", home.toString())
        .put("path.data", data.toString())
        .put("path.logs", logs.toString())
        .put("cluster.name", "lockstep-test")
        .put("node.name", "lockstep-es")
        // One node that elects itself: no discovery, no bootstrap checks (those only apply to non-loopback binds).
        .put("discovery.type", "single-node")
        // Loopback only: nothing on the network can reach a test server with security off.
        .put("network.host", "127.0.0.1")
        .put("http.port", httpPort)
        .put("transport.port", transportPort)
        // A nearly full developer disk must not turn indices read-only or leave shards unassigned mid-test.
        .put("cluster.routing.allocation.disk.threshold_enabled", false)
        .build();
    // There is no x-pack here, so there is no security to switch off: HTTP is plain and unauthenticated.

    Environment environment = InternalSettingsPreparer.prepareEnvironment(settings, Map.of(), config, () -> "lockstep-es");

    // Logging to stdout only (the caller sends stdout to its log file): INFO for the server, deprecation warnings
    // (which the server also logs per request) only as WARN. Written each run so the file always matches this code.
    Files.writeString(config.resolve("log4j2.properties"), String.join("\n",
        "status = error",
        "appender.console.type = Console",
        "appender.console.name = console",
        "appender.console.layout.type = PatternLayout",
        "appender.console.layout.pattern = [%d{ISO8601}][%-5p][%-25c{1.}] [%node_name]%marker %m%n",
        "rootLogger.level = info",
        "rootLogger.appenderRef.console.ref = console",
        "logger.deprecation.name = org.elasticsearch.deprecation",
        "logger.deprecation.level = warn",
        ""));
    LogConfigurator.registerErrorListener();
    LogConfigurator.setClusterName("lockstep-test");
    LogConfigurator.setNodeName("lockstep-es");
    LogConfigurator.configure(environment, true);
    // Modules only (netty4 for HTTP); no third-party plugins. The map is for qualified exports of modular plugins, and
    // the last argument (false) skips wiring the server's qualified exports: both assume the server runs as the
    // named module org.elasticsearch.server, while here it sits on the classpath (so our module uses class loaders).
    Set<PluginBundle> modules = PluginsLoader.loadModulesBundles(environment.modulesDir());
    PluginsLoader pluginsLoader = PluginsLoader.createPluginsLoader(modules, Set.of(), Map.of(), false);

    Node node = new Node(environment, pluginsLoader);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> closeNode(node, stopped), "lockstep-es-shutdown"));

    node.start();
    var http = node.injector().getInstance(HttpServerTransport.class).boundAddress().publishAddress();
    System.out.println(READY_MARKER + " http=" + http + " version=" + Build.current().version());
    System.out.flush();

    watchStdin();
    if (args.containsKey("parent-pid")) watchParent(Long.parseLong(args.get("parent-pid")));
    stopped.await(); // The node's own threads keep the JVM alive; this keeps main alive for readability only.
  }

  /** Closes the node the way the distribution does on SIGTERM: stop accepting work, close, wait a bounded time. */
  private static void closeNode(Node node, CountDownLatch stopped) {
    try {
      node.prepareForClose();
      node.close();
      if (!node.awaitClose(10, TimeUnit.SECONDS)) System.err.println("lockstep: node did not close within 10s");
    } catch (Exception e) {
      e.printStackTrace();
    } finally {
      stopped.countDown();
      org.apache.logging.log4j.LogManager.shutdown();
    }
  }

  /**
   * Exits when stdin reaches end of file, so a parent that holds a pipe to us takes us down when it dies. Skipped when
   * stdin is /dev/null (the parent chose not to give us a pipe): that would read as end of file immediately.
   */
  private static void watchStdin() {
    try {
      if (Files.isSameFile(Path.of("/dev/stdin"), Path.of("/dev/null"))) return;
    } catch (IOException | RuntimeException e) {
      return; // No /dev/stdin (unusual platform): rely on signals and --parent-pid.
    }
    daemon("lockstep-stdin-watch", () -> {
      try (InputStream in = System.in) {
        byte[] buffer = new byte[256];
        while (in.read(buffer) >= 0) {
          // Input is ignored; only end of file matters.
        }
      } catch (IOException e) {
        // A broken pipe means the same as end of file.
      }
      System.out.println("lockstep: stdin closed, stopping Elasticsearch");
      System.exit(0); // Runs the shutdown hook.
    });
  }

  /** Exits when the process that started us is gone (killed with SIGKILL, so it could not stop us itself). */
  private static void watchParent(long pid) {
    daemon("lockstep-parent-watch", () -> {
      while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
        try {
          Thread.sleep(1_000);
        } catch (InterruptedException e) {
          return;
        }
      }
      System.out.println("lockstep: parent process " + pid + " is gone, stopping Elasticsearch");
      System.exit(0);
    });
  }

  private static void daemon(String name, Runnable body) {
    Thread thread = new Thread(body, name);
    thread.setDaemon(true);
    thread.start();
  }

  private static Map<String, String> parseArgs(String[] argv) {
    Map<String, String> args = new HashMap<>();
    for (int i = 0; i < argv.length; i += 2) {
      if (!argv[i].startsWith("--") || i + 1 >= argv.length) usage("bad argument: " + argv[i]);
      args.put(argv[i].substring(2), argv[i + 1]);
    }
    return args;
  }

  private static String required(Map<String, String> args, String name) {
    String value = args.get(name);
    if (value == null) usage("missing --" + name);
    return value;
  }

  private static void usage(String problem) {
    System.err.println("lockstep ElasticsearchLauncher: " + problem);
    System.err.println("usage: --home DIR --work-dir DIR --http-port N [--transport-port N] [--parent-pid N]");
    System.exit(2);
  }
}

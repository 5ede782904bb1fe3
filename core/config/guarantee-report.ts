import type { ExactlyOnceMechanism, PipelineGuarantee, SinkGuarantee, SourceGuarantee } from '../api/guarantee';

/** What one source or sink contributes to the pipeline's guarantee, and why. */
export interface ComponentGuarantee {
  readonly kind: 'source' | 'sink';
  readonly id: string;
  readonly type: string;
  /** Pointer of the component in the pipeline file (`/sinks/0`). */
  readonly path: string;
  readonly guarantee: SourceGuarantee | SinkGuarantee;
  /** Sinks that keep exactly-once: how. */
  readonly mechanism?: ExactlyOnceMechanism;
  /** Sources: whether the input ends. */
  readonly bounded?: boolean;
  /** True for the sink that receives refused records. */
  readonly deadLetter?: boolean;
  /** One sentence for humans: what this component does after a failure. */
  readonly explanation: string;
}

/** The end-to-end guarantee of a pipeline, derived from its components. */
export interface GuaranteeReport {
  readonly pipeline: string;
  readonly guarantee: PipelineGuarantee;
  /** What the config asked for, if anything. */
  readonly requested?: Exclude<PipelineGuarantee, 'at-most-once'>;
  /** Why the pipeline has this guarantee, in one sentence. */
  readonly summary: string;
  /** Parts the guarantee does not cover (`source <id> (<type>): …`, from `Source.guaranteeCaveat`), if any. */
  readonly caveats?: readonly string[];
  readonly components: readonly ComponentGuarantee[];
}

/**
 * The report as lines for a terminal:
 * ```
 * guarantee: exactly-once (requested: exactly-once)
 *   every source is replayable and every sink is exactly-once
 *   source orders (kafka): replayable — …
 * ```
 */
export function formatGuaranteeReport(report: GuaranteeReport): string[] {
  const requested = report.requested === undefined ? '' : ` (requested: ${report.requested})`;
  return [
    `guarantee: ${report.guarantee}${requested}`,
    `  ${report.summary}`,
    ...(report.caveats ?? []).map((caveat) => `  except: ${caveat}`),
    ...report.components.map((component) => `  ${component.kind} ${component.id} (${component.type}): ${component.explanation}`),
  ];
}

/** The `metadata.json` written beside every exported model, and the checks serving runs on it. */
import type { Vocab } from './vocab.ts';

/** Bumped whenever the artifact layout or a graph's inputs change; serving refuses other versions. */
export const SCHEMA_VERSION = 1;

/** One ONNX graph of an artifact: its file and its inputs / outputs with dims ('batch' = symbolic). */
export interface GraphInfo {
  file: string;
  inputs: { name: string; kind: 'int' | 'float'; dims: (number | 'batch')[] }[];
  outputs: { name: string; dims: (number | 'batch')[] }[];
}

/** What an exported model directory declares about itself. */
export interface ModelMetadata {
  schemaVersion: number;
  family: 'two_tower' | 'ranker';
  createdAt: string;
  gitSha: string | null;
  dataset: { name: string; dataHash: string };
  vocab: Vocab;
  hyperparameters: Record<string, unknown>;
  /** Names of the dense input features (ranker), in input order. */
  featureNames: string[];
  /** Version of the feature definitions the dense features were computed with (ranker). */
  featureVersion?: number;
  dims: Record<string, number>;
  graphs: Record<string, GraphInfo>;
  weights: { file: string; manifest: string };
  metrics: Record<string, unknown>;
  training: Record<string, unknown>;
}

/**
 * Parses and checks a metadata file: right schema version and family, and every graph declared.
 * Throws an Error naming the mismatch, so a wrong artifact fails at load rather than at the first request.
 */
export function checkMetadata(
  json: unknown,
  family: ModelMetadata['family'],
  graphs: readonly string[],
): ModelMetadata {
  const m = json as Partial<ModelMetadata> | null;
  if (!m || typeof m !== 'object') throw new Error('model metadata: not a JSON object');
  if (m.schemaVersion !== SCHEMA_VERSION) {
    throw new Error(
      `model metadata: schema version ${String(m.schemaVersion)} is not the supported ${SCHEMA_VERSION}; re-export the model`,
    );
  }
  if (m.family !== family)
    throw new Error(`model metadata: family '${String(m.family)}' where '${family}' was expected`);
  for (const g of graphs) {
    if (!m.graphs?.[g]) throw new Error(`model metadata: graph '${g}' is not declared`);
  }
  if (!m.vocab || !m.dims) throw new Error('model metadata: vocab or dims missing');
  return m as ModelMetadata;
}

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

// daemonset.yaml as the tests read it: every document, by kind.

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const MANIFEST_PATH = fileURLToPath(new URL('../../daemonset.yaml', import.meta.url));

export type KubeDocument = Record<string, any>;

export function manifestDocuments(): KubeDocument[] {
  const documents = parseAllDocuments(readFileSync(MANIFEST_PATH, 'utf8'));
  for (const document of documents) {
    if (document.errors.length > 0) throw new Error(`daemonset.yaml: ${document.errors.map((e) => e.message).join('; ')}`);
  }
  return documents.map((document) => document.toJS() as KubeDocument).filter((object) => object !== null);
}

export function onlyOfKind(kind: string): KubeDocument {
  const matching = manifestDocuments().filter((object) => object.kind === kind);
  if (matching.length !== 1) throw new Error(`daemonset.yaml: expected one ${kind}, found ${matching.length}`);
  return matching[0]!;
}

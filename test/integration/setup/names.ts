/** The local clusters of a test run (scripts/test.mjs starts the same two). */
export const ISTIO_CLUSTER = 'default';
export const MESH_FREE_CLUSTER = 'mesh-free';

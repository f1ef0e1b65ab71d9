export * from './grammar';
export { suggest } from './suggest';
export { defineVerb, toolsOf, type VerbSpec, type VerbTools } from './verb';
export { isMutating, ALL_PERMISSIONS, MUTATING_PERMISSIONS, READ_ONLY_PERMISSIONS, type Permission } from './permissions';

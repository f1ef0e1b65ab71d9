export * from './grammar';
export { suggest } from './suggest';
export { permissionFor, isMutating, commandNamespace, type Permission } from './permissions';

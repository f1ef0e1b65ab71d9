export { runRollback as run } from './history';

import type { CliCommand } from './run-command';

// Its own file: dist/kube-inject.cjs (src/cli/kube-inject-main.ts) runs this command without the command table,
// whose loaders would bundle every other command.
export const kubeInjectCommand: CliCommand = {
  name: 'kube-inject',
  usage:
    'mesh kube-inject -f <file|-> [-o <file>] [--valuesFile <yaml>] [--meshConfigFile <yaml>] [--injectConfigFile <yaml>] [--native-sidecars true|false|auto] [-r|--revision <rev>] [--kubeconfig <path>] [-i|--istioNamespace <ns>] [--injectConfigMapName <name>] [--meshConfigMapName <name>] [--webhookConfig <name>]',
  summary: 'Inject the Istio sidecar into Kubernetes manifests, exactly as istioctl kube-inject does',
  load: () => import('./kube-inject'),
};

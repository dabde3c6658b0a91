import { resolve } from 'node:path';
import { analyzeFiles, formatAnalysisReport } from '../analyze';
import { EXIT_DONE, UsageError, parseOptions } from './usage';

export const ANALYZE_HELP = `Usage: trainer analyze --features H.npy --labels y.npy --weights W.npy [options]

The full neural-collapse report (NC1-NC4, per-class NC1 and recall, Many/Medium/Few accuracy, minority-collapse
indicators) for penultimate features saved by any framework: NumPy .npy files, float32/float64, C order.

Options:
  --features FILE   H, N x d penultimate features
  --labels FILE     y, N integer class labels
  --weights FILE    W, C x d last-layer weights (one row per class)
  --bias FILE       b, C last-layer biases (optional; predictions use W h + b)
  --train-counts FILE
                    n_c, C training counts for shot groups and the tail (default: the label counts of --labels)
  --centring MODE   class-means (default) or sample
  --json            print the report as JSON instead of a table

Example (PyTorch):
  np.save('H.npy', feats.cpu().numpy()); np.save('y.npy', labels.cpu().numpy())
  np.save('W.npy', model.fc.weight.detach().cpu().numpy()); np.save('b.npy', model.fc.bias.detach().cpu().numpy())
  trainer analyze --features H.npy --labels y.npy --weights W.npy --bias b.npy`;

export async function analyzeCommand(args: string[]): Promise<number> {
  const options = parseOptions(args, {
    features: { type: 'string' },
    labels: { type: 'string' },
    weights: { type: 'string' },
    bias: { type: 'string' },
    'train-counts': { type: 'string' },
    centring: { type: 'string', default: 'class-means' },
    json: { type: 'boolean', default: false },
  });
  for (const required of ['features', 'labels', 'weights'] as const) {
    if (options[required] === undefined) throw new UsageError(`--${required} FILE.npy is required`);
  }
  if (options.centring !== 'class-means' && options.centring !== 'sample') throw new UsageError(`--centring must be class-means or sample, not "${options.centring}"`);
  const report = await analyzeFiles({
    features: resolve(options.features as string),
    labels: resolve(options.labels as string),
    weights: resolve(options.weights as string),
    ...(options.bias === undefined ? {} : { bias: resolve(options.bias) }),
    ...(options['train-counts'] === undefined ? {} : { trainCounts: resolve(options['train-counts']) }),
    centring: options.centring,
  });
  process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatAnalysisReport(report)}\n`);
  return EXIT_DONE;
}

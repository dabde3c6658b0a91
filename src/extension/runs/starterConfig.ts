/**
 * The file "New run config…" writes: valid as it stands (it trains on the generated dataset, so it needs no
 * files), with a comment on every field a user is likely to change.
 */
export const STARTER_CONFIG = `{
  // Display name in the Runs view and the dashboard.
  "name": "my-long-tail-run",
  // "tfjs": the bundled TensorFlow.js trainer. "pytorch": python -m ncmonitor.train, on CUDA when available
  // (needs PyTorch; Python from the setting ncMonitor.python.interpreterPath or the Python extension).
  "engine": "tfjs",
  "dataset": {
    // "synthetic" needs no files. For real data: "fashion-mnist" (Debian: apt-get install dataset-fashion-mnist),
    // "mnist", "cifar10", "cifar100" or "image-folder", with "path" pointing at the files.
    "name": "synthetic",
    "classes": 10
  },
  // Long-tailed training set: class i keeps n_max · factor^(−i/(C−1)) samples.
  "imbalance": { "profile": "exponential", "factor": 100, "maxPerClass": 500 },
  "model": { "architecture": "mlp", "featureDim": 32, "hiddenUnits": [64] },
  "method": { "name": "cross-entropy" },
  "optimizer": { "name": "adam", "learningRate": 0.001, "weightDecay": 0.0005 },
  "batchSize": 64,
  "epochs": 10,
  // NC1-NC4, recall and minority-collapse indicators every k epochs.
  "evaluation": { "everyEpochs": 1, "splits": ["train", "test"] },
  "seed": 0
}
`;

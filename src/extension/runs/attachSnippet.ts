import { delimiter } from 'node:path';
import { ENV_RUN_ID, ENV_SERVER_URL, ENV_TOKEN } from '../../protocol/messages';

/** What a user's own script needs to report into an attached run. */
export interface AttachDetails {
  runId: string;
  runName: string;
  serverUrl: string;
  token: string;
  /** Folder holding the `ncmonitor` package shipped with the extension. */
  pythonPackageRoot: string;
}

/** Environment of a terminal from which a script reports with `MonitorClient.from_environment()`. */
export function attachEnvironment(details: AttachDetails, existingPythonPath = ''): Record<string, string> {
  return {
    [ENV_SERVER_URL]: details.serverUrl,
    [ENV_TOKEN]: details.token,
    [ENV_RUN_ID]: details.runId,
    PYTHONPATH: existingPythonPath === '' ? details.pythonPackageRoot : `${details.pythonPackageRoot}${delimiter}${existingPythonPath}`,
  };
}

/**
 * The lines to paste at the top of a PyTorch training script. They run as they are (connect, announce the run);
 * the comments show where the per-epoch calls go. Python string literals are written as JSON strings (valid Python
 * string literals), so no path, name or secret can break out of its quotes.
 */
export function attachSnippet(details: AttachDetails): string {
  const literal = (value: string) => JSON.stringify(value);
  return [
    `# Neural Collapse Monitor: report this script to the run ${literal(details.runName)} in VS Code.`,
    'import sys',
    `sys.path.insert(0, ${literal(details.pythonPackageRoot)})  # the ncmonitor package shipped with the extension`,
    'from ncmonitor.client import MonitorClient',
    'from ncmonitor.metrics import CollapseTracker, evaluate',
    '',
    `monitor = MonitorClient(${literal(details.serverUrl)}, ${literal(details.token)}, ${literal(details.runId)})`,
    'monitor.start()',
    '# Once, before training (class_names and train_counts: your long-tailed training set):',
    `#   monitor.run_did_start(run_name=${literal(details.runName)}, run_folder="", config={}, backend={"name": "pytorch", "skipped": []},`,
    '#                         dataset={"source": "my data", "classNames": class_names, "trainCounts": train_counts, "testCount": len(test_set)},',
    '#                         total_epochs=epochs)',
    '# After each epoch:',
    '#   monitor.epoch_did_end(epoch=epoch, total_epochs=epochs, loss=loss, train_accuracy=accuracy, learning_rate=lr,',
    '#                         duration_ms=ms, images_per_second=images_per_second)',
    '#   report, _ = evaluate(model, test_loader, feature_layer="<penultimate module>", classifier_layer="<last nn.Linear>",',
    '#                        epoch=epoch, split="test", train_counts=train_counts)',
    '#   monitor.metrics_did_update(epoch=epoch, reports=[report], collapse=tracker.update([report]), evaluation_ms=0)',
    '#   if monitor.stop_requested: break   # "Stop Run" in VS Code',
    '# At the end:',
    '#   monitor.run_did_end(reason="completed", epoch=epoch, duration_ms=total_ms); monitor.close()',
    '# A whole example: examples/pytorch/train_fashion_mnist_lt.py in the extension.',
    'tracker = CollapseTracker()',
    '',
  ].join('\n');
}

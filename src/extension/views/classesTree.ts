import * as vscode from 'vscode';
import { SelectedRunTreeProvider } from './selectedRunTree';
import type { Run } from '../runs/run';
import { shotGroupOf } from '../../protocol/longTail';
import { formatPercent } from './format';

interface ClassRow {
  index: number;
  name: string;
  trainCount: number;
  recall: number | null | undefined;
  group: 'many' | 'medium' | 'few';
  flagged: boolean;
  onsetEpoch: number | undefined;
}

const GROUP_LABELS = { many: 'Many', medium: 'Medium', few: 'Few' } as const;

/** The Classes view: each class of the selected run, head to tail, with count, recall, shot group and collapse flag. */
export class ClassesTreeProvider extends SelectedRunTreeProvider<ClassRow> {
  protected rowsOf(run: Run | undefined): ClassRow[] {
    return classRows(run);
  }

  override getTreeItem(row: ClassRow): vscode.TreeItem {
    const item = new vscode.TreeItem(`${row.index} ${row.name}`);
    item.description = `n=${row.trainCount} · recall ${formatPercent(row.recall)} · ${GROUP_LABELS[row.group]}${row.flagged ? ` · collapsing since epoch ${row.onsetEpoch ?? '?'}` : ''}`;
    item.iconPath = row.flagged
      ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'))
      : new vscode.ThemeIcon(row.group === 'many' ? 'circle-filled' : row.group === 'medium' ? 'circle-large-outline' : 'circle-outline');
    item.tooltip = `Class ${row.index} "${row.name}": ${row.trainCount} training samples (${GROUP_LABELS[row.group]}-shot), test recall ${formatPercent(row.recall)}${row.flagged ? `; flagged for minority collapse since epoch ${row.onsetEpoch ?? '?'}` : ''}`;
    item.accessibilityInformation = { label: item.tooltip };
    return item;
  }
}

export function classRows(run: Run | undefined): ClassRow[] {
  const started = run?.started;
  if (run === undefined || started === undefined) return [];
  const latest = run.evaluations.at(-1);
  const report = latest?.reports.find((candidate) => candidate.split === 'test') ?? latest?.reports[0];
  const flagged = new Map<number, number | undefined>();
  latest?.collapse.classes.forEach((c, index) => flagged.set(c, latest.collapse.classOnsetEpochs[index]));
  return started.dataset.classNames
    .map((name, index) => {
      const trainCount = started.dataset.trainCounts[index] ?? 0;
      return {
        index,
        name,
        trainCount,
        recall: report?.recallPerClass[index],
        group: shotGroupOf(trainCount),
        flagged: flagged.has(index),
        onsetEpoch: flagged.get(index),
      };
    })
    .sort((a, b) => b.trainCount - a.trainCount || a.index - b.index);
}

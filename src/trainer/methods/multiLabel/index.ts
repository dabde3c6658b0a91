/** Multi-label mode: labels and their data, statistics (S, Σ_Y, κ_m), the prototype check, BCE and the report. */
export type { LabelMatrix } from './labelMatrix';
export { LabelFileError, labelMatrixFromSets, labelsOf, loadLabelFile, parseLabelCsv, parseLabelJson } from './labelMatrix';
export type { LabelStatistics } from './labelStatistics';
export { labelStatistics, symmetricEigenvalues } from './labelStatistics';
export type { MultiLabelDataset, MultiLabelGeneratorOptions } from './generator';
export { generateMultiLabelDataset } from './generator';
export type { PerLabelScores } from './binaryCrossEntropy';
export { binaryCrossEntropy, perLabelScores } from './binaryCrossEntropy';
export { binaryCrossEntropyMethod } from './binaryCrossEntropyMethod';
export type { LabelSetPrototype, PrototypeCheck } from './prototypes';
export { prototypeCheck } from './prototypes';
export type { MultiLabelLoadOptions, MultiLabelSplits } from './multiLabelData';
export { labelCounts, loadMultiLabelTrainingData } from './multiLabelData';
export type { MultiLabelReportInput } from './multiLabelReport';
export { cachedLabelStatistics, multiLabelReport, predictedLabelMatrix, singleLabelRows } from './multiLabelReport';

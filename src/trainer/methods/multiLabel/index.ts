/** Multi-label mode: labels, statistics (S, Σ_Y, κ_m), the prototype check, BCE and a minimal training path. */
export type { LabelMatrix } from './labelMatrix';
export { LabelFileError, labelMatrixFromSets, labelsOf, loadLabelFile, parseLabelCsv, parseLabelJson } from './labelMatrix';
export type { LabelStatistics } from './labelStatistics';
export { labelStatistics, symmetricEigenvalues } from './labelStatistics';
export type { MultiLabelDataset, MultiLabelGeneratorOptions } from './generator';
export { generateMultiLabelDataset } from './generator';
export type { PerLabelScores } from './binaryCrossEntropy';
export { binaryCrossEntropy, perLabelScores } from './binaryCrossEntropy';
export type { LabelSetPrototype, PrototypeCheck } from './prototypes';
export { prototypeCheck } from './prototypes';
export type { MultiLabelEvaluation, MultiLabelTrainingOptions } from './trainMultiLabel';
export { evaluateMultiLabel, trainMultiLabel } from './trainMultiLabel';

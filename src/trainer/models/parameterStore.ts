/**
 * The named variables of a model. Names are the model's own ("stage2/block0/conv1/kernel"); the tf
 * variables are left unnamed because tfjs registers variable names globally and two models (or a model
 * rebuilt after a resume) would collide.
 */
import * as tf from '@tensorflow/tfjs';

export class ParameterStore {
  private readonly variables = new Map<string, tf.Variable>();

  add(name: string, values: Float32Array, shape: number[], trainable = true): tf.Variable {
    if (this.variables.has(name)) throw new Error(`duplicate weight name "${name}"`);
    const variable = tf.tidy(() => tf.variable(tf.tensor(values, shape, 'float32'), trainable));
    this.variables.set(name, variable);
    return variable;
  }

  zeros(name: string, shape: number[], trainable = true): tf.Variable {
    return this.add(name, new Float32Array(shape.reduce((a, b) => a * b, 1)), shape, trainable);
  }

  ones(name: string, shape: number[], trainable = true): tf.Variable {
    return this.add(name, new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(1), shape, trainable);
  }

  /** Variables the optimiser updates now (a caller may freeze one by setting `variable.trainable = false`). */
  trainable(): tf.Variable[] {
    return [...this.variables.values()].filter((variable) => variable.trainable);
  }

  names(): string[] {
    return [...this.variables.keys()];
  }

  parameterCount(): number {
    let count = 0;
    for (const variable of this.variables.values()) count += variable.size;
    return count;
  }

  /** Copies of every weight, trainable or not (batch-norm running statistics included). Caller disposes. */
  snapshot(): tf.NamedTensorMap {
    const copies: tf.NamedTensorMap = {};
    for (const [name, variable] of this.variables) copies[name] = tf.clone(variable);
    return copies;
  }

  /** Assigns every weight from `weights`; names and shapes must match exactly (nothing is assigned otherwise). */
  restore(weights: tf.NamedTensorMap, source = 'checkpoint'): void {
    const problems: string[] = [];
    for (const [name, variable] of this.variables) {
      const tensor = weights[name];
      if (tensor === undefined) problems.push(`missing weight "${name}"`);
      else if (!tf.util.arraysEqual(tensor.shape, variable.shape)) {
        problems.push(`weight "${name}" has shape [${tensor.shape.join(', ')}], the model needs [${variable.shape.join(', ')}]`);
      }
    }
    for (const name of Object.keys(weights)) {
      if (!this.variables.has(name)) problems.push(`unknown weight "${name}"`);
    }
    if (problems.length > 0) {
      const shown = problems.slice(0, 5).join('; ') + (problems.length > 5 ? `; and ${problems.length - 5} more` : '');
      throw new Error(`${source} does not fit this model (${shown}). Was it saved from a different architecture or config?`);
    }
    for (const [name, variable] of this.variables) variable.assign(weights[name] as tf.Tensor);
  }

  dispose(): void {
    for (const variable of this.variables.values()) variable.dispose();
    this.variables.clear();
  }
}

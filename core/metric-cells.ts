import type { Registry } from 'prom-client';

/**
 * Counters and a histogram for the message path. prom-client hashes the label set on every increment,
 * even through a labelled child; these keep one plain-number cell per label set, so counting a message
 * is an addition, and the registry reads the cells only when /metrics is scraped.
 */

export interface CounterCell {
  inc(by?: number): void;
}

export interface HistogramCell {
  observe(value: number): void;
}

interface MetricValue {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

abstract class CellFamily<C> {
  readonly name: string;
  readonly help: string;
  readonly aggregator = 'sum';
  readonly #labelNames: readonly string[];
  protected readonly cells = new Map<string, C & { labels: Record<string, string> }>();

  constructor(registry: Registry, name: string, help: string, labelNames: readonly string[]) {
    this.name = name;
    this.help = help;
    this.#labelNames = labelNames;
    registry.registerMetric(this as never);
  }

  /** The cell of these label values (in labelNames' order), created the first time. */
  labels(...values: string[]): C {
    const key = values.join('\u0000');
    let cell = this.cells.get(key);
    if (!cell) {
      cell = this.create(Object.fromEntries(this.#labelNames.map((n, i) => [n, values[i] ?? ''])));
      this.cells.set(key, cell);
    }
    return cell;
  }

  protected abstract create(labels: Record<string, string>): C & { labels: Record<string, string> };
  abstract reset(): void;
}

export class CellCounter extends CellFamily<CounterCell> {
  readonly type = 'counter';

  protected create(labels: Record<string, string>): CounterCell & { labels: Record<string, string>; value: number } {
    return {
      labels,
      value: 0,
      inc(by = 1) {
        this.value += by;
      },
    };
  }

  async get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: MetricValue[] }> {
    const values = [...this.cells.values()].map((c) => ({ labels: c.labels, value: (c as unknown as { value: number }).value }));
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    for (const cell of this.cells.values()) (cell as unknown as { value: number }).value = 0;
  }
}

interface HistogramState {
  labels: Record<string, string>;
  counts: Float64Array;
  sum: number;
  count: number;
}

export class CellHistogram extends CellFamily<HistogramCell> {
  readonly type = 'histogram';
  readonly #buckets: readonly number[];

  constructor(registry: Registry, name: string, help: string, labelNames: readonly string[], buckets: readonly number[]) {
    super(registry, name, help, labelNames);
    this.#buckets = buckets;
  }

  protected create(labels: Record<string, string>): HistogramCell & HistogramState {
    const bounds = this.#buckets;
    return {
      labels,
      counts: new Float64Array(bounds.length),
      sum: 0,
      count: 0,
      observe(value: number) {
        let i = 0;
        while (i < bounds.length && value > bounds[i]!) i++;
        if (i < bounds.length) this.counts[i]!++;
        this.sum += value;
        this.count++;
      },
    };
  }

  async get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: MetricValue[] }> {
    const values: MetricValue[] = [];
    for (const cell of this.cells.values() as Iterable<HistogramState>) {
      let cumulative = 0;
      this.#buckets.forEach((le, i) => {
        cumulative += cell.counts[i]!;
        values.push({ labels: { ...cell.labels, le }, value: cumulative, metricName: `${this.name}_bucket` });
      });
      values.push({ labels: { ...cell.labels, le: '+Inf' }, value: cell.count, metricName: `${this.name}_bucket` });
      values.push({ labels: cell.labels, value: cell.sum, metricName: `${this.name}_sum` });
      values.push({ labels: cell.labels, value: cell.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    for (const cell of this.cells.values() as Iterable<HistogramState>) {
      cell.counts.fill(0);
      cell.sum = 0;
      cell.count = 0;
    }
  }
}

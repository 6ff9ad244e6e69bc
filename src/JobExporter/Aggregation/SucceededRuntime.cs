namespace JobExporter.Aggregation;

/// <summary>
/// A job that succeeded, as the <see cref="EventApplier"/> counted it: its labels already guarded and, past the series
/// budget, folded into <c>__other__</c> (so a listener adds no label value the job counters do not have). The hostname is
/// empty when the job counters carry none (<c>--no-metrics.job-hostname</c>). Called under the applier's lock: keep it short.
/// </summary>
internal delegate void SucceededRuntime(string system, string name, string queue, string hostname, double seconds);

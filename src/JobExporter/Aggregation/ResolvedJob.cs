namespace JobExporter.Aggregation;

/// <summary>
/// What a job event's labels come to once guarded: the values its series carry and the series itself.
/// <c>Hostname</c> is the guarded host when some job series carries it (for the histograms), and <c>SeriesHost</c> the one
/// the job counters are keyed by ("" when they carry none).
/// </summary>
internal readonly record struct ResolvedJob(string Name, string Queue, string Hostname, string SeriesHost, JobSeries Series);

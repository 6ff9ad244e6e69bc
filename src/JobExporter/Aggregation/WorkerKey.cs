namespace JobExporter.Aggregation;

/// <summary>A worker is one system on one host: a host running Hangfire and MassTransit is two workers.</summary>
internal readonly record struct WorkerKey(string System, string Hostname);

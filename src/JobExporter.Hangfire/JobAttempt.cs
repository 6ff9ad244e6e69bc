using System.Diagnostics;

namespace JobExporter.Hangfire;

/// <summary>One attempt to perform a job on this server, from the first perform filter to its outcome.</summary>
internal sealed class JobAttempt(string jobId, string name, string queue, double? wait)
{
    public string JobId { get; } = jobId;
    public string Name { get; } = name;
    public string Queue { get; } = queue;

    /// <summary>Seconds from enqueue to start, when the enqueued state could be read.</summary>
    public double? Wait { get; } = wait;

    public long StartedAt { get; set; } = Stopwatch.GetTimestamp();
    public long? FinishedAt { get; set; }

    /// <summary>True when a filter cancelled the job before it ran (job-rejected is already sent).</summary>
    public bool Rejected { get; set; }

    /// <summary>The type name of the exception the job threw, when it threw.</summary>
    public string? Exception { get; set; }

    public double Runtime => ((FinishedAt ?? Stopwatch.GetTimestamp()) - StartedAt) / (double)Stopwatch.Frequency;
}

namespace JobExporter.HangfireStorage;

/// <summary>What Hangfire's storage holds at one moment, as <see cref="HangfireStorageReader"/> read it.</summary>
public sealed record HangfireStorageSnapshot
{
    /// <summary>Every queue that has held a job since the reader started, by name; a drained queue stays, at 0.</summary>
    public required IReadOnlyList<HangfireQueueSnapshot> Queues { get; init; }

    /// <summary>Jobs now in each state the exporter shows, keyed by <see cref="JobExporter.Contracts.HangfireJobStates"/>.</summary>
    public required IReadOnlyDictionary<string, long> Jobs { get; init; }

    /// <summary>Hangfire servers whose heartbeat is younger than the server timeout.</summary>
    public required int Servers { get; init; }

    /// <summary>Jobs that ever succeeded (Hangfire's <c>stats:succeeded</c> counter, as the dashboard shows it).</summary>
    public required long SucceededTotal { get; init; }

    /// <summary>Jobs that were ever deleted (Hangfire's <c>stats:deleted</c> counter, as the dashboard shows it).</summary>
    public required long DeletedTotal { get; init; }

    /// <summary>When the read finished, on the reader's clock.</summary>
    public required DateTimeOffset ReadAt { get; init; }

    public long JobsIn(string state) => Jobs.TryGetValue(state, out var count) ? count : 0;
}

/// <summary>One Hangfire queue: jobs waiting in it, jobs fetched by a worker and not yet done, and how long the oldest has waited.</summary>
public sealed record HangfireQueueSnapshot(string Name, long Enqueued, long Fetched, double OldestAgeSeconds);

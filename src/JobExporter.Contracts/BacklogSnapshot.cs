namespace JobExporter.Contracts;

/// <summary>
/// What a worker read of its job storage's backlog at one moment: the payload of a <c>storage-backlog</c> event
/// (<see cref="EventType.StorageBacklog"/>). Counts only: no job, argument or payload is ever part of it.
/// </summary>
public sealed record BacklogSnapshot
{
    /// <summary>Most queues one snapshot may hold; a larger one is rejected as <c>invalid_value</c>.</summary>
    public const int MaxQueues = 1_000;

    /// <summary>Most job states one snapshot may hold.</summary>
    public const int MaxStates = 32;

    /// <summary>Every queue the reader knows of, a drained one at 0.</summary>
    public required IReadOnlyList<BacklogQueue> Queues { get; init; }

    /// <summary>Jobs now in each state (<c>enqueued</c>, <c>scheduled</c>, ...), when the storage could tell.</summary>
    public IReadOnlyDictionary<string, long>? Jobs { get; init; }

    /// <summary>Servers of the job system with a recent heartbeat in the storage, when the storage could tell.</summary>
    public int? Servers { get; init; }
}

/// <summary>
/// One queue of a <see cref="BacklogSnapshot"/>: jobs waiting (<paramref name="Length"/>), jobs fetched by a worker and
/// not yet finished (<paramref name="Fetched"/>, when the storage tells), and seconds the oldest waiting job has
/// waited (<paramref name="OldestAge"/>, only when the storage can tell it without loading a job).
/// </summary>
public sealed record BacklogQueue(string Queue, long Length, long? Fetched = null, double? OldestAge = null);

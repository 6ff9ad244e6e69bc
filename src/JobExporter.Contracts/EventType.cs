namespace JobExporter.Contracts;

/// <summary>The kinds of event in contract version 1. The wire names are in <see cref="EventTypeNames"/>.</summary>
public enum EventType : byte
{
    JobSent,
    JobReceived,
    JobStarted,
    JobSucceeded,
    JobFailed,
    JobRetried,
    JobRejected,
    JobRevoked,
    WorkerOnline,
    WorkerHeartbeat,
    WorkerOffline,
    /// <summary>A worker's read of its job storage's backlog (<see cref="BacklogSnapshot"/>). New in contract version 1: an older exporter counts it as <c>unknown_type</c> and goes on.</summary>
    StorageBacklog,
}

/// <summary>Maps <see cref="EventType"/> to and from the names used on the wire (<c>job-sent</c>, ...).</summary>
internal static class EventTypeNames
{
    private static readonly string[] Names =
    [
        "job-sent", "job-received", "job-started", "job-succeeded", "job-failed", "job-retried",
        "job-rejected", "job-revoked", "worker-online", "worker-heartbeat", "worker-offline",
        "storage-backlog",
    ];

    private static readonly Dictionary<string, EventType> ByName =
        Names.Select((name, index) => (name, index)).ToDictionary(p => p.name, p => (EventType)p.index, StringComparer.Ordinal);

    /// <summary>Every event type, in declaration order.</summary>
    // From the names, not Enum.GetValues(Type): that needs dynamic code under NativeAOT, and the generic overload is not in netstandard2.0.
    public static IReadOnlyList<EventType> All { get; } = Enumerable.Range(0, Names.Length).Select(i => (EventType)i).ToArray();

    public static string ToWireName(this EventType type) => Names[(int)type];

    public static bool TryParse(string name, out EventType type) => ByName.TryGetValue(name, out type);

    private static readonly byte[][] Utf8Names = Names.Select(System.Text.Encoding.UTF8.GetBytes).ToArray();

    /// <summary>Parses a UTF-8 wire name without allocating a string.</summary>
    public static bool TryParse(ReadOnlySpan<byte> utf8Name, out EventType type)
    {
        for (var i = 0; i < Utf8Names.Length; i++)
        {
            if (utf8Name.SequenceEqual(Utf8Names[i]))
            {
                type = (EventType)i;
                return true;
            }
        }
        type = default;
        return false;
    }

    public static bool IsJobEvent(this EventType type) => type <= EventType.JobRevoked;

    public static bool IsWorkerEvent(this EventType type) => type is >= EventType.WorkerOnline and <= EventType.WorkerOffline;
}

using JobExporter.Contracts;

namespace JobExporter.Celery;

/// <summary>Celery's event type names (<c>task-sent</c>, <c>worker-heartbeat</c>, ...) and the exporter's type each one is.</summary>
internal static class CeleryEventTypes
{
    private static readonly (byte[] Name, EventType Type)[] Known =
    [
        ("task-sent"u8.ToArray(), EventType.JobSent),
        ("task-received"u8.ToArray(), EventType.JobReceived),
        ("task-started"u8.ToArray(), EventType.JobStarted),
        ("task-succeeded"u8.ToArray(), EventType.JobSucceeded),
        ("task-failed"u8.ToArray(), EventType.JobFailed),
        ("task-retried"u8.ToArray(), EventType.JobRetried),
        ("task-rejected"u8.ToArray(), EventType.JobRejected),
        ("task-revoked"u8.ToArray(), EventType.JobRevoked),
        ("worker-online"u8.ToArray(), EventType.WorkerOnline),
        ("worker-heartbeat"u8.ToArray(), EventType.WorkerHeartbeat),
        ("worker-offline"u8.ToArray(), EventType.WorkerOffline),
    ];

    /// <summary>The exporter's type of a Celery type name given as UTF-8; false for any other name (custom task events).</summary>
    public static bool TryParse(ReadOnlySpan<byte> celeryName, out EventType type)
    {
        foreach (var (name, known) in Known)
        {
            if (celeryName.SequenceEqual(name))
            {
                type = known;
                return true;
            }
        }
        type = default;
        return false;
    }

    /// <summary>Celery's own name of a type, for event ids.</summary>
    public static string CeleryName(EventType type) => type switch
    {
        EventType.JobSent => "task-sent",
        EventType.JobReceived => "task-received",
        EventType.JobStarted => "task-started",
        EventType.JobSucceeded => "task-succeeded",
        EventType.JobFailed => "task-failed",
        EventType.JobRetried => "task-retried",
        EventType.JobRejected => "task-rejected",
        EventType.JobRevoked => "task-revoked",
        EventType.WorkerOnline => "worker-online",
        EventType.WorkerHeartbeat => "worker-heartbeat",
        _ => "worker-offline",
    };
}

namespace JobExporter.HangfireStorage;

/// <summary>The keys of <see cref="HangfireStorageSnapshot.Jobs"/>: the values of the exporter's <c>state</c> label.</summary>
public static class HangfireJobStates
{
    public const string Enqueued = "enqueued";
    public const string Scheduled = "scheduled";
    public const string Processing = "processing";
    public const string Awaiting = "awaiting";
    public const string Failed = "failed";
    public const string Deleted = "deleted";

    /// <summary>Jobs in the <c>retries</c> set: scheduled again by <c>AutomaticRetry</c> after a failure.</summary>
    public const string Retrying = "retrying";

    /// <summary>Every state, so that each is shown at 0 from the start.</summary>
    public static IReadOnlyList<string> All { get; } = [Enqueued, Scheduled, Processing, Awaiting, Retrying, Failed, Deleted];

    /// <summary>Hangfire's state names (the <c>job.statename</c> column) of the states counted per job.</summary>
    internal static IReadOnlyDictionary<string, string> ByStateName { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["Enqueued"] = Enqueued,
        ["Scheduled"] = Scheduled,
        ["Processing"] = Processing,
        ["Awaiting"] = Awaiting,
        ["Failed"] = Failed,
        ["Deleted"] = Deleted,
    };
}

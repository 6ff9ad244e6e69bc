namespace JobExporter.Contracts;

/// <summary>
/// The Hangfire job states the exporter counts, by the values of its <c>state</c> label: the one list for the emitter's
/// backlog snapshot and the exporter's --hangfire.postgres reader, so that neither counts a state the other does not know.
/// </summary>
internal static class HangfireJobStates
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
}

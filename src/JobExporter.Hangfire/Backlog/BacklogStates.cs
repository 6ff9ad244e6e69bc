namespace JobExporter.Hangfire.Backlog;

/// <summary>
/// The job states a backlog snapshot counts, by the names the exporter's <c>state</c> label uses (the same as its
/// --hangfire.postgres reader's).
/// </summary>
internal static class BacklogStates
{
    public const string Enqueued = "enqueued";
    public const string Scheduled = "scheduled";
    public const string Processing = "processing";
    public const string Awaiting = "awaiting";
    public const string Failed = "failed";
    public const string Deleted = "deleted";

    /// <summary>Jobs waiting for a retry (Hangfire's <c>retries</c> set).</summary>
    public const string Retrying = "retrying";
}

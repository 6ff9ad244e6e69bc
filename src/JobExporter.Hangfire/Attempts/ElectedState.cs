namespace JobExporter.Hangfire.Attempts;

/// <summary>The state Hangfire elects for a job, as far as the attempt's rules tell states apart.</summary>
internal enum ElectedState
{
    Enqueued,
    Processing,
    Succeeded,
    Failed,
    Deleted,

    /// <summary>Any other state: Scheduled (a retry's wait), Awaiting, a custom state.</summary>
    Other,
}

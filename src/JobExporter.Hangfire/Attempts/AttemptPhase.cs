namespace JobExporter.Hangfire.Attempts;

/// <summary>How far a worker thread's attempt at a job has come, as the attempt's rules see it.</summary>
internal enum AttemptPhase
{
    /// <summary>This thread holds no attempt at the job: another thread took it (a user's delete), or a shutdown put it back.</summary>
    None,

    /// <summary>Moved to Processing here; no filter has let it run yet.</summary>
    Received,

    /// <summary>Its method runs (the innermost performing hook has run).</summary>
    Started,

    /// <summary>Its method has returned or thrown.</summary>
    Finished,

    /// <summary>What it came to is published; elections after this one are the worker retrying its state change.</summary>
    Reported,
}

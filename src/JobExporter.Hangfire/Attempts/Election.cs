namespace JobExporter.Hangfire.Attempts;

/// <summary>
/// One state election of a job, in plain values, after the other global election filters have had their say (so after
/// <c>AutomaticRetry</c> turned a failure into a retry).
/// </summary>
/// <param name="FromProcessing">The job leaves Processing (the state it is in now).</param>
/// <param name="Candidate">The state elected.</param>
/// <param name="Failure">A failure was elected on the way: the candidate is Failed, or a retry filter replaced a Failed.</param>
/// <param name="FailureException">That failure's exception type name, when it has one.</param>
/// <param name="Canceled">A filter cancelled the job (Hangfire 1.8 marks it in the job's items).</param>
internal readonly record struct Election(
    bool FromProcessing,
    ElectedState Candidate,
    bool Failure = false,
    string? FailureException = null,
    bool Canceled = false);

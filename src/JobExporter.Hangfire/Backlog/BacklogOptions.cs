namespace JobExporter.Hangfire.Backlog;

/// <summary>
/// Settings of the backlog reporter (<c>JobExporter:Hangfire:Backlog</c>): while a Hangfire server runs in this
/// process, its storage's backlog is read through Hangfire's monitoring API every <see cref="Interval"/> and published
/// as a <c>storage-backlog</c> event. Every default is stated here once.
/// </summary>
public sealed class BacklogOptions
{
    /// <summary>The sub-section of <c>JobExporter:Hangfire</c> these settings are read from: <c>Backlog</c>.</summary>
    public const string SubSection = "Backlog";

    /// <summary>Read and publish the backlog. Default true; false turns the reporter off.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Time between two reads of the storage. Default 15 s.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Longest one read may take; a read still running then counts as a failure and publishes nothing. Default 5 s.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Queues always reported, besides those the storage's servers listen on and those this process's jobs used.
    /// Name here a queue no server listens on that should still be watched. Default none.
    /// </summary>
    public List<string> Queues { get; set; } = [];

    /// <summary>What is wrong with these settings, one sentence each naming its configuration key; empty when they can work.</summary>
    public IReadOnlyList<string> Problems()
    {
        const string S = "JobExporter:Hangfire:Backlog";
        var problems = new List<string>();
        if (Interval <= TimeSpan.Zero) problems.Add($"{S}:Interval must be positive, not {Interval} (set {S}:Enabled to false to turn the reporter off).");
        if (Timeout <= TimeSpan.Zero) problems.Add($"{S}:Timeout must be positive, not {Timeout}.");
        if (Queues.Any(string.IsNullOrWhiteSpace)) problems.Add($"{S}:Queues must not hold an empty name.");
        if (Queues.Count > Contracts.BacklogSnapshot.MaxQueues) problems.Add($"{S}:Queues may name at most {Contracts.BacklogSnapshot.MaxQueues} queues, not {Queues.Count}.");
        return problems;
    }
}

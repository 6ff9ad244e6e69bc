using System.Text.RegularExpressions;
using Npgsql;

namespace JobExporter.HangfireStorage;

/// <summary>Settings of <see cref="HangfireStorageReader"/>. Every default is stated here once.</summary>
public sealed partial class HangfireStorageOptions
{
    /// <summary>The Npgsql connection string of the database Hangfire.PostgreSql uses. Required.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Hangfire.PostgreSql's own default <c>SchemaName</c>; the exporter's <c>--hangfire.schema</c> defaults to it too.</summary>
    public const string DefaultSchema = "hangfire";

    /// <summary>The schema Hangfire.PostgreSql's tables live in (its <c>SchemaName</c> option). Default <see cref="DefaultSchema"/>.</summary>
    public string Schema { get; set; } = DefaultSchema;

    /// <summary>Longest time one read may take, connecting included; the read then fails. Default 5 s.</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>A server counts as live when its last heartbeat is younger than this (Hangfire's own
    /// <c>ServerTimeout</c>, after which its watchdog removes the server). Default 5 min.</summary>
    public TimeSpan ServerTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>What is wrong with these settings, one sentence each; empty when they can work.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(ConnectionString))
        {
            problems.Add("The Hangfire PostgreSQL connection string is required (Host=...;Database=...;Username=...;Password=...).");
        }
        else
        {
            try
            {
                _ = new NpgsqlConnectionStringBuilder(ConnectionString);
            }
            catch (ArgumentException ex)
            {
                // The message names the bad keyword; the string itself may hold a password, so it is not repeated.
                problems.Add($"The Hangfire PostgreSQL connection string is not valid: {ex.Message}");
            }
        }
        if (string.IsNullOrEmpty(Schema) || !Identifier().IsMatch(Schema))
        {
            problems.Add($"The Hangfire schema must be a plain PostgreSQL identifier (letters, digits, underscores), not '{Schema}'.");
        }
        if (CommandTimeout <= TimeSpan.Zero) problems.Add($"The Hangfire storage command timeout must be positive, not {CommandTimeout}.");
        if (ServerTimeout <= TimeSpan.Zero) problems.Add($"The Hangfire server timeout must be positive, not {ServerTimeout}.");
        return problems;
    }

    /// <summary>Throws one <see cref="ArgumentException"/> listing every problem, when there is any.</summary>
    public void Validate()
    {
        var problems = Problems();
        if (problems.Count > 0) throw new ArgumentException(string.Join(" ", problems));
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,62}$")]
    private static partial Regex Identifier();
}

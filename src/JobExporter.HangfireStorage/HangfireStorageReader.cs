using JobExporter.Contracts;
using Npgsql;
using NpgsqlTypes;

namespace JobExporter.HangfireStorage;

/// <summary>
/// Reads a <see cref="HangfireStorageSnapshot"/> from Hangfire.PostgreSql storage with a few cheap queries (two
/// round trips), each bounded by <see cref="HangfireStorageOptions.CommandTimeout"/>. It never loads jobs, unlike
/// Hangfire's <c>Queues()</c> monitoring call. Queues seen once are remembered, so a drained queue reads 0 rather
/// than vanishing. Safe to call from one collector loop; a failure throws and the next read starts afresh.
/// </summary>
public sealed class HangfireStorageReader : IAsyncDisposable
{
    private static readonly string[] CounterKeys = ["stats:succeeded", "stats:deleted"];

    // Hangfire's state names (the job.statename column) of the states counted per job; retries come from their set.
    private static readonly Dictionary<string, string> ByStateName = new(StringComparer.Ordinal)
    {
        ["Enqueued"] = HangfireJobStates.Enqueued,
        ["Scheduled"] = HangfireJobStates.Scheduled,
        ["Processing"] = HangfireJobStates.Processing,
        ["Awaiting"] = HangfireJobStates.Awaiting,
        ["Failed"] = HangfireJobStates.Failed,
        ["Deleted"] = HangfireJobStates.Deleted,
    };

    private readonly HangfireStorageOptions _options;
    private readonly NpgsqlDataSource _dataSource;
    private readonly HangfireSql _sql;
    private readonly TimeProvider _time;
    private readonly SortedSet<string> _knownQueues = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public HangfireStorageReader(HangfireStorageOptions options, TimeProvider? time = null)
    {
        options.Validate();
        _options = options;
        _time = time ?? TimeProvider.System;
        _sql = new HangfireSql(options.Schema);
        var builder = new NpgsqlConnectionStringBuilder(options.ConnectionString)
        {
            Timeout = Seconds(options.CommandTimeout),
            CommandTimeout = Seconds(options.CommandTimeout),
            ApplicationName = "jobexporter",
        };
        _dataSource = NpgsqlDataSource.Create(builder);
    }

    public async Task<HangfireStorageSnapshot> ReadAsync(CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_options.CommandTimeout);
        var token = deadline.Token;
        await using var connection = await _dataSource.OpenConnectionAsync(token).ConfigureAwait(false);

        var queues = new Dictionary<string, (long Enqueued, long Fetched)>(StringComparer.Ordinal);
        var jobs = HangfireJobStates.All.ToDictionary(s => s, _ => 0L, StringComparer.Ordinal);
        var counters = new Dictionary<string, long>(StringComparer.Ordinal);
        int servers;

        await using (var batch = new NpgsqlBatch(connection) { Timeout = Seconds(_options.CommandTimeout) })
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(_sql.QueueCounts));
            batch.BatchCommands.Add(new NpgsqlBatchCommand(_sql.JobsByState)
            {
                Parameters = { new NpgsqlParameter("states", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = ByStateName.Keys.ToArray() } },
            });
            batch.BatchCommands.Add(new NpgsqlBatchCommand(_sql.Retries));
            batch.BatchCommands.Add(new NpgsqlBatchCommand(_sql.LiveServers)
            {
                Parameters = { new NpgsqlParameter("timeout", NpgsqlDbType.Interval) { Value = _options.ServerTimeout } },
            });
            batch.BatchCommands.Add(new NpgsqlBatchCommand(_sql.Counters)
            {
                Parameters = { new NpgsqlParameter("keys", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = CounterKeys } },
            });
            await using var reader = await batch.ExecuteReaderAsync(token).ConfigureAwait(false);
            while (await reader.ReadAsync(token).ConfigureAwait(false))
            {
                queues[reader.GetString(0)] = (reader.GetInt64(1), reader.GetInt64(2));
            }
            await reader.NextResultAsync(token).ConfigureAwait(false);
            while (await reader.ReadAsync(token).ConfigureAwait(false))
            {
                if (ByStateName.TryGetValue(reader.GetString(0), out var state)) jobs[state] = reader.GetInt64(1);
            }
            await reader.NextResultAsync(token).ConfigureAwait(false);
            await reader.ReadAsync(token).ConfigureAwait(false);
            jobs[HangfireJobStates.Retrying] = reader.GetInt64(0);
            await reader.NextResultAsync(token).ConfigureAwait(false);
            await reader.ReadAsync(token).ConfigureAwait(false);
            servers = (int)reader.GetInt64(0);
            await reader.NextResultAsync(token).ConfigureAwait(false);
            while (await reader.ReadAsync(token).ConfigureAwait(false))
            {
                counters[reader.GetString(0)] = reader.IsDBNull(1) ? 0 : reader.GetInt64(1);
            }
        }

        var ages = await ReadOldestAgesAsync(connection, queues.Where(q => q.Value.Enqueued > 0).Select(q => q.Key).ToArray(), token).ConfigureAwait(false);

        string[] names;
        lock (_lock)
        {
            _knownQueues.UnionWith(queues.Keys);
            names = [.. _knownQueues];
        }
        return new HangfireStorageSnapshot
        {
            Queues = names.Select(name =>
            {
                var (enqueued, fetched) = queues.GetValueOrDefault(name);
                return new HangfireQueueSnapshot(name, enqueued, fetched, ages.GetValueOrDefault(name));
            }).ToArray(),
            Jobs = jobs,
            Servers = servers,
            SucceededTotal = counters.GetValueOrDefault(CounterKeys[0]),
            DeletedTotal = counters.GetValueOrDefault(CounterKeys[1]),
            ReadAt = _time.GetUtcNow(),
        };
    }

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    private async Task<Dictionary<string, double>> ReadOldestAgesAsync(NpgsqlConnection connection, string[] queues, CancellationToken token)
    {
        var ages = new Dictionary<string, double>(StringComparer.Ordinal);
        if (queues.Length == 0) return ages;
        await using var command = new NpgsqlCommand(_sql.OldestAges, connection) { CommandTimeout = Seconds(_options.CommandTimeout) };
        command.Parameters.Add(new NpgsqlParameter("queues", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = queues });
        await using var reader = await command.ExecuteReaderAsync(token).ConfigureAwait(false);
        while (await reader.ReadAsync(token).ConfigureAwait(false))
        {
            ages[reader.GetString(0)] = Math.Max(0, reader.GetDouble(1));
        }
        return ages;
    }

    private static int Seconds(TimeSpan timeout) => (int)Math.Max(1, Math.Ceiling(timeout.TotalSeconds));
}

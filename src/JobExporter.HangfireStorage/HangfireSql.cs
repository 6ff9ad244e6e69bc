namespace JobExporter.HangfireStorage;

/// <summary>
/// The queries over Hangfire.PostgreSql's tables (schema version 1.21: <c>jobqueue</c>, <c>job</c>, <c>state</c>,
/// <c>set</c>, <c>server</c>, <c>counter</c>, <c>aggregatedcounter</c>). Each uses an index Hangfire creates; none
/// reads job payloads. Ages are computed with the database's clock, so the exporter's clock does not matter.
/// </summary>
internal sealed class HangfireSql(string schema)
{
    private readonly string _s = "\"" + schema + "\"";

    /// <summary>Per queue: rows not fetched yet (enqueued) and rows fetched by a worker (processing).</summary>
    public string QueueCounts => $"""
        select queue, count(*) filter (where fetchedat is null), count(*) filter (where fetchedat is not null)
        from {_s}.jobqueue group by queue
        """;

    /// <summary>Jobs per state name, for the names in @states (the statename index).</summary>
    public string JobsByState => $"""
        select statename, count(*) from {_s}.job where statename = any(@states) group by statename
        """;

    /// <summary>Jobs waiting for a retry: the <c>retries</c> set <c>AutomaticRetry</c> keeps.</summary>
    public string Retries => $"""
        select count(*) from {_s}.set where key = 'retries'
        """;

    /// <summary>Servers whose heartbeat is younger than @timeout.</summary>
    public string LiveServers => $"""
        select count(*) from {_s}.server where lastheartbeat > now() - @timeout
        """;

    /// <summary>The all-time counters for @keys, raw and aggregated, summed.</summary>
    public string Counters => $"""
        select key, sum(value)::bigint from (
          select key, value from {_s}.counter where key = any(@keys)
          union all
          select key, value from {_s}.aggregatedcounter where key = any(@keys)) c
        group by key
        """;

    /// <summary>Per queue in @queues: seconds since the oldest unfetched job entered its current (enqueued) state.</summary>
    public string OldestAges => $"""
        select q.queue, coalesce(extract(epoch from now() - oldest.createdat)::float8, 0)
        from unnest(@queues) as q(queue)
        left join lateral (
          select s.createdat
          from {_s}.jobqueue jq
          join {_s}.job j on j.id = jq.jobid
          join {_s}.state s on s.id = j.stateid
          where jq.queue = q.queue and jq.fetchedat is null
          order by jq.id
          limit 1) oldest on true
        """;
}

using JobExporter.Contracts;

namespace JobExporter.Benchmarks;

/// <summary>
/// Event streams for the benchmarks. The realistic mix: every job is sent, received and started (with a queue
/// wait), then succeeds or, one time in twenty, fails; 200 job names on 4 queues run on 20 workers, and each
/// worker sends a heartbeat every 1,000 events or so.
/// </summary>
internal sealed class Workload(int names = 200, int hosts = 20, string[]? exceptions = null, string system = SystemNames.Hangfire, int seed = 7, int queues = 4)
{
    public static readonly string[] Exceptions =
        ["System.TimeoutException", "System.InvalidOperationException", "System.Net.Http.HttpRequestException",
         "Npgsql.NpgsqlException", "System.ArgumentException"];

    private readonly string[] _exceptions = exceptions ?? Exceptions;
    private readonly Random _random = new(seed);
    private long _ids;
    private double _ts = 1_793_534_400;

    public int Names { get; } = names;
    public int Hosts { get; } = hosts;

    public static string Name(int i) => $"BenchJob{i:D4}.Run";
    public string Queue(int nameIndex) => $"queue-{nameIndex % queues}";
    public static string Host(int i) => $"worker-{i:D3}";

    /// <summary>Exactly <paramref name="count"/> events of the realistic mix.</summary>
    public List<JobEvent> Mix(int count)
    {
        var events = new List<JobEvent>(count);
        var nextHeartbeat = 0;
        while (events.Count < count)
        {
            if (events.Count >= nextHeartbeat)
            {
                events.Add(Heartbeat(Host(_random.Next(Hosts))));
                nextHeartbeat += Math.Max(1, 1000 / Hosts);
                continue;
            }
            var name = _random.Next(Names);
            var host = Host(_random.Next(Hosts));
            foreach (var e in JobLifecycle(name, host, failed: _random.Next(20) == 0))
            {
                if (events.Count == count) break;
                events.Add(e);
            }
        }
        return events;
    }

    /// <summary>
    /// The sidecar workload: every worker comes online, then <paramref name="jobs"/> jobs of four events each (sent,
    /// received, started, then succeeded or, one time in twenty, failed) on random names and workers, with a heartbeat
    /// from the next worker in turn after every <paramref name="heartbeatEvery"/> job events. 50,000 jobs on 10 workers:
    /// 10 + 200,000 + 1,000 = 201,010 events.
    /// </summary>
    public List<JobEvent> Sidecar(int jobs, int heartbeatEvery)
    {
        var events = new List<JobEvent>(jobs * 4 + jobs * 4 / heartbeatEvery + Hosts);
        for (var h = 0; h < Hosts; h++) events.Add(Online(Host(h)));
        var jobEvents = 0;
        var nextWorker = 0;
        for (var j = 0; j < jobs; j++)
        {
            var name = _random.Next(Names);
            var host = Host(_random.Next(Hosts));
            foreach (var e in JobLifecycle(name, host, failed: _random.Next(20) == 0))
            {
                events.Add(e);
                if (++jobEvents % heartbeatEvery == 0) events.Add(Heartbeat(Host(nextWorker++ % Hosts)));
            }
        }
        return events;
    }

    /// <summary>One of each job event for every (name, host) and a heartbeat per host: every series the mix can make, at once.</summary>
    public List<JobEvent> EverySeries()
    {
        var events = new List<JobEvent>();
        for (var h = 0; h < Hosts; h++) events.Add(Heartbeat(Host(h)));
        for (var n = 0; n < Names; n++)
        {
            for (var h = 0; h < Hosts; h++)
            {
                events.AddRange(JobLifecycle(n, Host(h), failed: false));
                foreach (var exception in _exceptions)
                {
                    events.Add(Job(EventType.JobFailed, n, Host(h)) with { Runtime = 0.5, Exception = exception });
                }
            }
        }
        return events;
    }

    /// <summary>One job-succeeded for each of <paramref name="count"/> distinct job names, from <paramref name="first"/> on.</summary>
    public List<JobEvent> DistinctNames(int first, int count)
    {
        var events = new List<JobEvent>(count);
        for (var i = first; i < first + count; i++)
        {
            events.Add(Job(EventType.JobSucceeded, 0, Host(i % Hosts)) with { Name = $"UniqueJob{i:D7}.Run", Runtime = 0.1 });
        }
        return events;
    }

    public IEnumerable<JobEvent> JobLifecycle(int name, string host, bool failed)
    {
        yield return Job(EventType.JobSent, name, host);
        yield return Job(EventType.JobReceived, name, host);
        yield return Job(EventType.JobStarted, name, host) with { Wait = Math.Round(_random.NextDouble() * 5, 3) };
        var runtime = Math.Round(_random.NextDouble() * 2, 3);
        yield return failed
            ? Job(EventType.JobFailed, name, host) with { Runtime = runtime, Exception = _exceptions[_random.Next(_exceptions.Length)] }
            : Job(EventType.JobSucceeded, name, host) with { Runtime = runtime };
    }

    public JobEvent Heartbeat(string host) => new()
    {
        Type = EventType.WorkerHeartbeat,
        Id = NextId(),
        Ts = NextTs(),
        System = system,
        Hostname = host,
        Interval = 10,
        Active = _random.Next(4),
        Dropped = 0,
    };

    public JobEvent Online(string host) => new()
    {
        Type = EventType.WorkerOnline,
        Id = NextId(),
        Ts = NextTs(),
        System = system,
        Hostname = host,
        Interval = 10,
    };

    private JobEvent Job(EventType type, int name, string host) => new()
    {
        Type = type,
        Id = NextId(),
        Ts = NextTs(),
        System = system,
        Hostname = host,
        Name = Name(name),
        Queue = Queue(name),
        JobId = (_ids + 1000).ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    // Ids as emitters make them (32 hex digits, as Guid v7 "N"), unique per workload seed.
    private string NextId() => $"0192f0c4a1b2{seed & 0xffff:x4}{++_ids:x16}";

    private double NextTs() => _ts += 0.001;

    /// <summary>The events as message bodies of <paramref name="perMessage"/> events each (1: one object a message).</summary>
    public static List<byte[]> Messages(IReadOnlyList<JobEvent> events, int perMessage)
    {
        var messages = new List<byte[]>(events.Count / perMessage + 1);
        for (var i = 0; i < events.Count; i += perMessage)
        {
            messages.Add(perMessage == 1
                ? EventJson.Serialize(events[i])
                : EventJson.SerializeBatch(events.Skip(i).Take(Math.Min(perMessage, events.Count - i))));
        }
        return messages;
    }
}

using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using JobExporter.Testing;

namespace JobExporter.Deploy.Tests;

/// <summary>`make run`'s script, on the built tree: everything comes up and is wired together, and SIGTERM leaves nothing behind.</summary>
public sealed partial class RunDemoScriptTests
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    [Test]
    [CancelAfter(240_000)]
    public Task Make_run_starts_the_whole_loop_and_SIGTERM_stops_every_process_it_started() => RunAndStopAsync(celeryOnRedis: false);

    /// <summary>DEMO_CELERY_BROKER=redis: the Celery worker on the script's own redis-server, its events read there.</summary>
    [Test]
    [CancelAfter(240_000)]
    public Task Make_run_with_celery_on_redis_counts_its_tasks_from_redis_and_SIGTERM_stops_redis_too() => RunAndStopAsync(celeryOnRedis: true);

    private static async Task RunAndStopAsync(bool celeryOnRedis)
    {
        int exporterPort = FreePort.Next(), prometheusPort = FreePort.Next(), alertmanagerPort = FreePort.Next();
        var info = new ProcessStartInfo("bash") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Path.Combine(RepositoryPaths.Root, "scripts", "run-demo.sh"));
        info.Environment["SKIP_BUILD"] = "1";
        info.Environment["CONFIGURATION"] = RepositoryPaths.Configuration;
        info.Environment["PORT"] = exporterPort.ToString();
        info.Environment["PROMETHEUS_PORT"] = prometheusPort.ToString();
        info.Environment["ALERTMANAGER_PORT"] = alertmanagerPort.ToString();
        info.Environment["JOBS_PER_SECOND"] = "10";
        if (celeryOnRedis) info.Environment["DEMO_CELERY_BROKER"] = "redis";
        using var script = Process.Start(info)!;
        var output = new StringBuilder();
        script.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        script.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        script.BeginOutputReadLine();
        script.BeginErrorReadLine();
        string Output() { lock (output) return output.ToString(); }

        HashSet<int> started = [];
        string? work = null;
        try
        {
            await WaitAsync(() => Task.FromResult(Output().Contains("Press Ctrl-C")), TimeSpan.FromSeconds(120), "the script to print its URLs", Output);
            var text = Output();
            work = WorkFolder().Match(text).Groups[1].Value;
            Assert.That(text, Does.Contain($"http://127.0.0.1:{exporterPort}/metrics"));
            Assert.That(text, Does.Contain($"http://127.0.0.1:{prometheusPort}/"));
            Assert.That(text, Does.Contain($"http://127.0.0.1:{alertmanagerPort}/"));
            Assert.That(text, Does.Match(@"kill -9 \d+"));
            Assert.That(text, celeryOnRedis ? Does.Match(@"broker redis://127\.0\.0\.1:\d+/0\)") : Does.Match(@"broker amqp://"));

            await WaitAsync(async () =>
            {
                var metrics = MetricsSnapshot.Parse(await GetStringAsync($"http://127.0.0.1:{exporterPort}/metrics"));
                return metrics.Sum("jobs_succeeded_total", ("system", "hangfire")) > 0 && metrics.Sum("jobs_succeeded_total", ("system", "masstransit")) > 0
                    && metrics.Sum("jobs_succeeded_total", ("system", "celery")) > 0;
            }, TimeSpan.FromSeconds(90), "jobs of the three demo workers (Hangfire, MassTransit, Celery) on /metrics", Output);
            // The Redis source has its own series; the RabbitMQ one has none of them.
            var sources = MetricsSnapshot.Parse(await GetStringAsync($"http://127.0.0.1:{exporterPort}/metrics"));
            Assert.That(sources.Has("jobs_exporter_celery_redis_dropped_total"), Is.EqualTo(celeryOnRedis));
            Assert.That(sources.Value("jobs_exporter_celery_broker_connected"), Is.EqualTo(1));
            await WaitAsync(async () =>
            {
                using var targets = JsonDocument.Parse(await GetStringAsync($"http://127.0.0.1:{prometheusPort}/api/v1/targets"));
                return targets.RootElement.GetProperty("data").GetProperty("activeTargets").EnumerateArray()
                    .Any(t => t.GetProperty("labels").GetProperty("job").GetString() == "jobexporter" && t.GetProperty("health").GetString() == "up");
            }, TimeSpan.FromSeconds(60), "Prometheus to scrape the exporter as job=\"jobexporter\"", Output);
            using (var rules = JsonDocument.Parse(await GetStringAsync($"http://127.0.0.1:{prometheusPort}/api/v1/rules")))
            {
                var groups = rules.RootElement.GetProperty("data").GetProperty("groups").EnumerateArray().Select(g => g.GetProperty("name").GetString()).ToList();
                Assert.That(groups, Does.Contain("jobexporter-workers").And.Contain("jobexporter.rules"));
            }
            using (var status = JsonDocument.Parse(await GetStringAsync($"http://127.0.0.1:{prometheusPort}/api/v1/alertmanagers")))
            {
                var active = status.RootElement.GetProperty("data").GetProperty("activeAlertmanagers").EnumerateArray().Select(a => a.GetProperty("url").GetString());
                Assert.That(active, Has.Some.Contains($"127.0.0.1:{alertmanagerPort}"));
            }
            started = Descendants(script.Id);
            Assert.That(started, Has.Count.GreaterThanOrEqualTo(celeryOnRedis ? 9 : 8),
                "RabbitMQ, the exporter, three workers, the Celery client, Prometheus, Alertmanager (and redis-server)");
            if (celeryOnRedis) Assert.That(started.Select(Command), Has.Some.StartsWith("/usr/bin/redis-server"), "the script's own redis-server");
        }
        finally
        {
            Posix.Terminate(script.Id);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await script.WaitForExitAsync(cts.Token);
        }

        Assert.That(Output(), Does.Contain("Stopped; nothing left running."));
        var deadline = Stopwatch.StartNew();
        while (started.Any(Alive) && deadline.Elapsed < TimeSpan.FromSeconds(10)) await Task.Delay(100);
        Assert.That(started.Where(Alive), Is.Empty, "processes the script started are still running");
        Assert.That(Directory.Exists(work!), Is.False, $"{work} is removed");
    }

    private static async Task<string> GetStringAsync(string url)
    {
        try
        {
            return await Http.GetStringAsync(url);
        }
        catch (HttpRequestException)
        {
            return "{}";
        }
    }

    private static async Task WaitAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, Func<string> detail)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                if (await condition()) return;
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
            {
                // Not up yet.
            }
            if (deadline.Elapsed > timeout) Assert.Fail($"Timed out after {timeout} waiting for {what}.\n{detail()}");
            await Task.Delay(200);
        }
    }

    /// <summary>Every process below <paramref name="root"/>, from /proc.</summary>
    private static HashSet<int> Descendants(int root)
    {
        var parents = new Dictionary<int, int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                parents[pid] = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1]);
            }
            catch (IOException)
            {
            }
        }
        var found = new HashSet<int>();
        var todo = new Stack<int>([root]);
        while (todo.TryPop(out var next))
        {
            foreach (var (child, parent) in parents)
            {
                if (parent == next && found.Add(child)) todo.Push(child);
            }
        }
        return found;
    }

    /// <summary>A process's command line, its arguments joined by spaces; empty once it is gone.</summary>
    private static string Command(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim();
        }
        catch (IOException)
        {
            return "";
        }
    }

    private static bool Alive(int pid)
    {
        try
        {
            return !File.ReadAllText($"/proc/{pid}/stat").Split(") ")[1].StartsWith('Z');
        }
        catch (IOException)
        {
            return false;
        }
    }

    [GeneratedRegex(@"data and logs in (\S+?)\)")]
    private static partial Regex WorkFolder();
}

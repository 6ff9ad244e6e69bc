using System.Diagnostics;
using System.Globalization;

namespace JobExporter.Benchmarks;

/// <summary>GETs an exporter's /metrics page and reads what the benchmarks need from it.</summary>
internal static class Scraper
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(60) };

    public sealed record Page(string Text, int Bytes, double Milliseconds)
    {
        /// <summary>Sum of jobs_exporter_events_total over all its series.</summary>
        public long EventsApplied => (long)Sum("jobs_exporter_events_total");

        /// <summary>Sample lines on the page (each line that is not a comment).</summary>
        public int Series => Text.Split('\n').Count(l => l.Length > 0 && l[0] != '#');

        /// <summary>
        /// Sum of the metric's samples. Found by searching the page for the name at a line start rather than splitting it
        /// into lines: the ingest benchmarks read pages of thousands of series many times a drain, on the cores the
        /// consumer under measurement uses.
        /// </summary>
        public double Sum(string metric)
        {
            double sum = 0;
            var text = Text.AsSpan();
            var at = 0;
            while (true)
            {
                var found = text[at..].IndexOf(metric, StringComparison.Ordinal);
                if (found < 0) return sum;
                var start = at + found;
                var end = text[start..].IndexOf('\n');
                end = end < 0 ? text.Length : start + end;
                at = end;
                if (start > 0 && text[start - 1] != '\n') continue;
                var line = text[start..end];
                var rest = line[metric.Length..];
                if (rest.Length == 0 || (rest[0] != '{' && rest[0] != ' ')) continue;
                sum += double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
            }
        }
    }

    public static async Task<Page> GetAsync(Uri metricsUrl)
    {
        var started = Stopwatch.GetTimestamp();
        var bytes = await Http.GetByteArrayAsync(metricsUrl);
        var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        return new Page(System.Text.Encoding.UTF8.GetString(bytes), bytes.Length, elapsed);
    }

    /// <summary>Scrapes every <paramref name="interval"/> until jobs_exporter_events_total reaches <paramref name="target"/>.</summary>
    public static async Task<long> WaitForEventsAsync(Uri metricsUrl, long target, TimeSpan timeout, TimeSpan? interval = null)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var applied = (await GetAsync(metricsUrl)).EventsApplied;
            if (applied >= target) return applied;
            if (deadline.Elapsed > timeout) throw new TimeoutException($"only {applied} of {target} events applied after {timeout}");
            await Task.Delay(interval ?? TimeSpan.FromMilliseconds(500));
        }
    }
}

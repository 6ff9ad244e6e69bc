using System.Diagnostics.Metrics;
using JobExporter.Contracts;
using JobExporter.Testing;

namespace JobExporter.Hangfire.Tests.Server;

/// <summary>
/// An emitter posting to a pair of exporters over HTTP while one of them is away, with real exporter binaries: the
/// emitter must not read as connected, and what it has not delivered must show against the absent exporter alone, in
/// the meter an OpenTelemetry exporter reads. When the absent exporter starts, it gets every event, and both count
/// each once.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class HttpPendingPerExporterTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private const int Jobs = 250;

    [Test]
    public async Task An_absent_exporter_reads_disconnected_and_alone_holds_every_event_pending_until_it_starts()
    {
        await using var present = await IngestExporter.StartAsync("--systems", "hangfire");
        var laterPort = FreePort.Next();
        var later = new Uri($"http://127.0.0.1:{laterPort}/");
        var emitter = new JobExporterEmitter(new JobExporterHangfireOptions
        {
            ExporterUrl = present.BaseUrl,
            ExporterUrls = [later],
            Hostname = $"hf-pending-{Guid.NewGuid():N}"[..18],
            ReconnectDelay = TimeSpan.FromMilliseconds(100),
            MaxReconnectDelay = TimeSpan.FromMilliseconds(500),
        });
        await using (emitter)
        {
            for (var i = 0; i < Jobs; i++) emitter.Core.Publish(emitter.Core.Events.Job(EventType.JobSent, "Pending.Job", "default", $"job-{i}"));

            // The present exporter applies every batch; the absent one fails them all, so none is acknowledged.
            await present.WaitForMetricsAsync(m => m.Value("jobs_sent_total", ("name", "Pending.Job")) == Jobs, Deadline, "every event at the present exporter");
            var away = await WaitForAsync(r => r.Pending(later) == Jobs && r.Pending(present.BaseUrl) == 0, "the absent exporter alone to hold every event");
            Assert.Multiple(() =>
            {
                Assert.That(emitter.IsConnected, Is.False, "an exporter of the pair is away");
                Assert.That(emitter.Published, Is.EqualTo(0), "acknowledged only when both took it");
                Assert.That(away.Connected(present.BaseUrl), Is.EqualTo(1));
                Assert.That(away.Connected(later), Is.EqualTo(0));
            });

            await using var second = await ExporterProcess.StartWithArgsAsync(laterPort,
                ["--web.listen-address", $"127.0.0.1:{laterPort}", "--web.enable-ingest", "--systems", "hangfire"]);
            await second.WaitForMetricsAsync(m => m.Value("jobs_sent_total", ("name", "Pending.Job")) == Jobs, Deadline, "every event at the exporter that came");
            var back = await WaitForAsync(r => r.Pending(later) == 0 && r.Connected(later) == 1, "nothing pending anywhere");
            Assert.Multiple(() =>
            {
                Assert.That(emitter.IsConnected, Is.True);
                Assert.That(emitter.Published, Is.EqualTo(Jobs));
                Assert.That(back.Pending(present.BaseUrl), Is.EqualTo(0));
            });
            // Sent again to the present exporter at every attempt, counted there once.
            Assert.That((await present.ScrapeAsync()).Value("jobs_sent_total", ("name", "Pending.Job")), Is.EqualTo(Jobs));
        }
    }

    private static async Task<Reading> WaitForAsync(Func<Reading, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (true)
        {
            var reading = Reading.Collect();
            if (condition(reading)) return reading;
            if (DateTime.UtcNow > deadline) Assert.Fail($"{what}: the meter read {reading}");
            await Task.Delay(20);
        }
    }

    /// <summary>The Hangfire emitters' per-destination instruments now, by destination, as an OpenTelemetry exporter reads them.</summary>
    private sealed class Reading
    {
        private readonly Dictionary<(string Instrument, string Destination), long> _values = [];

        public long Pending(Uri exporter) => _values.GetValueOrDefault(("jobexporter.emitter.destination.pending", exporter.ToString()), -1);

        public long Connected(Uri exporter) => _values.GetValueOrDefault(("jobexporter.emitter.destination.connected", exporter.ToString()), -1);

        public static Reading Collect()
        {
            var reading = new Reading();
            using var listener = new MeterListener
            {
                InstrumentPublished = (instrument, l) =>
                {
                    if (instrument.Meter.Name == JobExporterEmitter.MeterName) l.EnableMeasurementEvents(instrument);
                },
            };
            listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => reading.Add(instrument, value, tags));
            listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => reading.Add(instrument, value, tags));
            listener.Start();
            listener.RecordObservableInstruments();
            return reading;
        }

        private void Add(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            lock (_values)
            {
                foreach (var tag in tags)
                {
                    if (tag.Key == "destination") _values[(instrument.Name, (string)tag.Value!)] = value;
                }
            }
        }

        public override string ToString()
        {
            lock (_values) return string.Join(", ", _values.Select(v => $"{v.Key.Instrument}{{{v.Key.Destination}}}={v.Value}"));
        }
    }
}

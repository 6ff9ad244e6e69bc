using System.Diagnostics.Metrics;
using JobExporter.Testing;

namespace JobExporter.Hangfire.Tests.Unit;

/// <summary>
/// The emitter's System.Diagnostics.Metrics meter, read as an OpenTelemetry exporter would: a MeterListener
/// that enables every instrument of the meter named after the package.
/// </summary>
[TestFixture]
public sealed class MeterTests
{
    [Test]
    public async Task The_meter_named_after_the_package_reports_the_publishers_health_until_the_emitter_is_disposed()
    {
        // Distinctive figures, so that emitters of other tests in this process cannot be mistaken for this one.
        var publisher = new RecordingPublisher { Published = 424_201, Dropped = 424_202, PublishFailures = 424_203, Buffered = 424_204, IsConnected = true };
        var emitter = new JobExporterEmitter(new JobExporterHangfireOptions { BrokerUrl = new Uri("amqp://127.0.0.1:1/") }, publisher);

        var read = Collect();
        Assert.Multiple(() =>
        {
            Assert.That(read["jobexporter.emitter.events.published"], Does.Contain(424_201));
            Assert.That(read["jobexporter.emitter.events.dropped"], Does.Contain(424_202));
            Assert.That(read["jobexporter.emitter.publish.failures"], Does.Contain(424_203));
            Assert.That(read["jobexporter.emitter.buffer.depth"], Does.Contain(424_204));
            Assert.That(read["jobexporter.emitter.broker.connected"], Does.Contain(1));
            Assert.That(read["jobexporter.emitter.hook.failures"], Is.Not.Empty);
        });

        await emitter.DisposeAsync();
        Assert.That(Collect().GetValueOrDefault("jobexporter.emitter.events.dropped", []), Does.Not.Contain(424_202));
    }

    /// <summary>Every measurement of the emitters' meters now, by instrument name.</summary>
    internal static Dictionary<string, List<long>> Collect()
    {
        var values = new Dictionary<string, List<long>>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == JobExporterEmitter.MeterName) l.EnableMeasurementEvents(instrument);
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => Add(instrument, value));
        listener.SetMeasurementEventCallback<int>((instrument, value, _, _) => Add(instrument, value));
        listener.Start();
        listener.RecordObservableInstruments();
        return values;

        void Add(Instrument instrument, long value)
        {
            lock (values)
            {
                if (!values.TryGetValue(instrument.Name, out var list)) values[instrument.Name] = list = [];
                list.Add(value);
            }
        }
    }
}

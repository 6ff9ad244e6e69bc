using System.Text.Json;
using JobExporter.Testing;
using NUnit.Framework;

namespace JobExporter.Jsonnet.Tests;

public sealed class JsonnetVmTests
{
    [Test]
    public void Evaluates_a_snippet_to_json()
    {
        using var vm = new JsonnetVm();
        var json = vm.EvaluateSnippet("inline.jsonnet", "{ a: 1 + 2, b: std.join('-', ['x', 'y']) }");
        using var doc = JsonDocument.Parse(json);
        Assert.That(doc.RootElement.GetProperty("a").GetInt32(), Is.EqualTo(3));
        Assert.That(doc.RootElement.GetProperty("b").GetString(), Is.EqualTo("x-y"));
    }

    [Test]
    public void Evaluates_a_file_that_imports_from_a_library_path()
    {
        using var folder = new TempFolder("jsonnet");
        Directory.CreateDirectory(folder.File("lib"));
        File.WriteAllText(Path.Combine(folder.File("lib"), "greeting.libsonnet"), "{ hello(name):: 'hello ' + name }");
        File.WriteAllText(folder.File("main.jsonnet"), "local g = import 'greeting.libsonnet'; { text: g.hello('jobs') }");
        using var vm = new JsonnetVm();
        vm.AddLibraryPath(folder.File("lib"));

        var json = vm.EvaluateFile(folder.File("main.jsonnet"));

        Assert.That(JsonDocument.Parse(json).RootElement.GetProperty("text").GetString(), Is.EqualTo("hello jobs"));
    }

    [Test]
    public void Passes_external_variables_as_strings_and_as_code()
    {
        using var vm = new JsonnetVm();
        vm.SetExtVar("who", "worker-1");
        vm.SetExtCode("limits", "{ max: 5 * 2 }");

        var json = vm.EvaluateSnippet("x.jsonnet", "{ who: std.extVar('who'), max: std.extVar('limits').max }");

        Assert.That(json, Does.Contain("\"who\": \"worker-1\"").And.Contain("\"max\": 10"));
    }

    [Test]
    public void Passes_top_level_arguments_as_strings_and_as_code()
    {
        using var vm = new JsonnetVm();
        vm.SetTlaVar("prefix", "jobs_");
        vm.SetTlaCode("config", "{ window: '5m' }");

        var json = vm.EvaluateSnippet("x.jsonnet", "function(prefix, config, unused='d') prefix + config.window + unused");

        Assert.That(JsonSerializer.Deserialize<string>(json), Is.EqualTo("jobs_5md"));
    }

    [Test]
    public void Returns_each_document_of_a_multi_file_output()
    {
        using var vm = new JsonnetVm();

        var documents = vm.EvaluateSnippetMulti("multi.jsonnet", "{ 'b.json': { n: 2 }, 'a.json': [1, 'é'], 'c.json': 'text' }");

        Assert.That(documents.Keys, Is.EqualTo(new[] { "a.json", "b.json", "c.json" }));
        Assert.That(JsonSerializer.Deserialize<object[]>(documents["a.json"])![1].ToString(), Is.EqualTo("é"));
        Assert.That(JsonDocument.Parse(documents["b.json"]).RootElement.GetProperty("n").GetInt32(), Is.EqualTo(2));
        Assert.That(JsonSerializer.Deserialize<string>(documents["c.json"]), Is.EqualTo("text"));
    }

    [Test]
    public void Returns_the_documents_of_a_multi_file_output_read_from_a_file()
    {
        using var folder = new TempFolder("jsonnet");
        File.WriteAllText(folder.File("m.jsonnet"), "{ [k + '.json']: { k: k } for k in ['x', 'y'] }");
        using var vm = new JsonnetVm();

        var documents = vm.EvaluateFileMulti(folder.File("m.jsonnet"));

        Assert.That(documents.Keys, Is.EqualTo(new[] { "x.json", "y.json" }));
    }

    [Test]
    public void Reports_a_runtime_error_with_jsonnets_message_file_and_line()
    {
        using var folder = new TempFolder("jsonnet");
        File.WriteAllText(folder.File("broken.jsonnet"), "{\n  ok: 1,\n  bad: error 'threshold is required',\n}\n");
        using var vm = new JsonnetVm();

        var error = Assert.Throws<JsonnetException>(() => vm.EvaluateFile(folder.File("broken.jsonnet")))!;

        Assert.That(error.Message, Does.Contain("RUNTIME ERROR: threshold is required"));
        Assert.That(error.Message, Does.Contain("broken.jsonnet:3:"));
    }

    [Test]
    public void Reports_a_syntax_error_in_a_snippet_with_its_name_and_line()
    {
        using var vm = new JsonnetVm();

        var error = Assert.Throws<JsonnetException>(() => vm.EvaluateSnippet("inline.jsonnet", "{\n a: 1,\n b: ,\n}"))!;

        Assert.That(error.Message, Does.StartWith("STATIC ERROR: inline.jsonnet:3:"));
    }

    [Test]
    public void Reports_a_missing_import()
    {
        using var vm = new JsonnetVm();

        var error = Assert.Throws<JsonnetException>(() => vm.EvaluateSnippet("i.jsonnet", "import 'nowhere.libsonnet'"))!;

        Assert.That(error.Message, Does.Contain("couldn't open import \"nowhere.libsonnet\""));
    }

    [Test]
    public void Reports_an_error_from_a_multi_evaluation_whose_result_is_not_an_object()
    {
        using var vm = new JsonnetVm();

        var error = Assert.Throws<JsonnetException>(() => vm.EvaluateSnippetMulti("m.jsonnet", "[1]"))!;

        Assert.That(error.Message, Does.Contain("multi mode").IgnoreCase);
    }

    [Test]
    public void Stays_usable_after_an_error()
    {
        using var vm = new JsonnetVm();
        Assert.Throws<JsonnetException>(() => vm.EvaluateSnippet("x", "error 'first'"));

        Assert.That(vm.EvaluateSnippet("x", "1 + 1").Trim(), Is.EqualTo("2"));
    }

    [Test]
    public void Limits_the_stack_depth()
    {
        using var vm = new JsonnetVm();
        vm.SetMaxStack(20);

        var error = Assert.Throws<JsonnetException>(() => vm.EvaluateSnippet("deep.jsonnet", "local f(n) = if n == 0 then 0 else 1 + f(n - 1); f(100)"))!;

        Assert.That(error.Message, Does.Contain("max stack frames exceeded"));
    }

    [Test]
    public void Returns_a_raw_string_in_string_output_mode()
    {
        using var vm = new JsonnetVm();
        vm.SetStringOutput(true);

        Assert.That(vm.EvaluateSnippet("s.jsonnet", "'line1\\nline2'"), Is.EqualTo("line1\nline2\n"));
    }

    [Test]
    public void Refuses_strings_with_a_nul_character()
    {
        using var vm = new JsonnetVm();

        Assert.Throws<ArgumentException>(() => vm.SetExtVar("a", "x\0y"));
    }

    [Test]
    public void Refuses_to_be_used_from_a_second_thread_while_a_call_is_in_progress()
    {
        using var vm = new JsonnetVm();
        using var held = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        vm.WhileHeld = () =>
        {
            held.Set();
            release.Wait(TimeSpan.FromSeconds(30));
        };
        var first = Task.Run(() => vm.EvaluateSnippet("a", "1"));
        Assert.That(held.Wait(TimeSpan.FromSeconds(30)), Is.True, "the first call never started");
        vm.WhileHeld = null;

        var error = Assert.Throws<InvalidOperationException>(() => vm.EvaluateSnippet("b", "2"))!;
        Assert.Throws<InvalidOperationException>(vm.Dispose);
        release.Set();

        Assert.That(error.Message, Does.Contain("two threads"));
        Assert.That(first.Result.Trim(), Is.EqualTo("1"));
        Assert.That(vm.EvaluateSnippet("c", "3").Trim(), Is.EqualTo("3"), "usable again once the first call returned");
    }

    [Test]
    public void Can_be_used_from_different_threads_one_after_another()
    {
        using var vm = new JsonnetVm();
        var results = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            var n = i;
            results.Add(Task.Run(() => vm.EvaluateSnippet("t", $"{n} * 2")).Result.Trim());
        }

        Assert.That(results, Is.EqualTo(new[] { "0", "2", "4", "6" }));
    }

    [Test]
    public void Throws_after_dispose()
    {
        var vm = new JsonnetVm();
        vm.Dispose();

        Assert.Throws<ObjectDisposedException>(() => vm.EvaluateSnippet("x", "1"));
    }

    [Test]
    public void Reports_its_library_version()
    {
        Assert.That(JsonnetVm.Version, Does.StartWith("v0."));
    }

    [Test]
    public void Names_the_debian_package_when_the_library_cannot_be_loaded()
    {
        var error = NativeLibraryCheck.TryLoad("libjsonnet-that-does-not-exist.so.0");

        Assert.That(error, Is.Not.Null);
        Assert.That(error!.Message, Does.Contain("libjsonnet-that-does-not-exist.so.0").And.Contain("apt-get install libjsonnet0"));
    }
}

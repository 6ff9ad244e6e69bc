using JobExporter.Mixin;

return MixinCli.Run(args, Console.Out, Console.Error);

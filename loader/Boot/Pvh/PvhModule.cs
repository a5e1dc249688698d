namespace LoaderHarness.Loader.Boot.Pvh;

/// <summary>One <c>hvm_modlist_entry</c>: a module (Linux takes module 0 as its initrd) and its optional command line.</summary>
public readonly record struct PvhModule(ulong Address, ulong Size, ulong CommandLineAddress = 0);

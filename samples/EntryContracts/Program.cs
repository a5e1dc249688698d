// Load a kernel as a VMM would, set up the vCPU for its entry, and check the boot protocol's entry contracts.
// Usage: dotnet run --project samples/EntryContracts -- <vmlinux | bzImage | Image> [profile]
using LoaderHarness.Emulator.Boot;
using LoaderHarness.Emulator.Contracts;
using LoaderHarness.Emulator.Vcpu;
using LoaderHarness.Loader.Images;
using LoaderHarness.Loader.Setup;

if (args.Length is < 1 or > 2)
{
    Console.Error.WriteLine("usage: EntryContracts <kernel> [firecracker|cloud-hypervisor|crosvm|qemu|spec]");
    return 2;
}
var bytes = File.ReadAllBytes(args[0]);
var architecture = KernelBoot.ArchitectureOf(bytes);
var profile = VmmProfiles.Find(args.Length > 1 ? args[1] : "firecracker", architecture) ?? VmmProfiles.For(architecture)[0];

using var memory = profile.CreateMemory(512UL << 20);
var guest = GuestSetup.Run(memory, profile.Configure(new GuestSetupRequest { Kernel = KernelImage.Parse(bytes), CommandLine = "console=ttyS0" }));
var boot = new BootCase(VcpuSetup.Create(memory, guest, profile), guest, profile);
Console.WriteLine($"{args[0]}: {guest.Protocol} entry at 0x{guest.Entry:x} under {profile.Name}, boot structure at 0x{guest.BootStructureAddress:x}");

var violations = 0;
foreach (var result in ContractCatalogue.Evaluate(boot, ContractPhase.Entry))
{
    // An advisory contract's failure (Severity Advisory) is reported, not counted: the kernel tolerates it.
    var verdict = result.Verdict == ContractVerdict.Fail && !result.IsViolation ? "advisory" : result.Verdict.ToString().ToLowerInvariant();
    Console.WriteLine($"  {verdict,-14} {result.Contract.Id}: {result.Detail}");
    violations += result.IsViolation ? 1 : 0;
}
Console.WriteLine(violations == 0 ? "every entry contract holds" : $"{violations} entry contract(s) violated");
return violations == 0 ? 0 : 1;

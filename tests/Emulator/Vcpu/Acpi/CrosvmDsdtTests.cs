using LoaderHarness.Emulator.Vcpu.Acpi;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Vcpu.Acpi;

/// <summary>
/// crosvm's DSDT objects (x86_64/src/lib.rs setup_acpi_devices and PciRootOSC at commit f1e797a6) against byte vectors
/// written out from the ACPI 6.5 §20 encodings and §6.4 resource descriptors.
/// </summary>
[TestFixture]
public sealed class CrosvmDsdtTests
{
    /// <summary>Device(\_SB.MB00) { Name(_HID, EisaId("PNP0C02")), Name(_CRS, ResourceTemplate { Memory32Fixed(ReadWrite, 0xF4000000, 0x4000000) }) }.</summary>
    internal static readonly byte[] Mb00 =
    [
        0x5B, 0x82, 0x2B, 0x2E, (byte)'_', (byte)'S', (byte)'B', (byte)'_', (byte)'M', (byte)'B', (byte)'0', (byte)'0',
        0x08, (byte)'_', (byte)'H', (byte)'I', (byte)'D', 0x0C, 0x41, 0xD0, 0x0C, 0x02,
        0x08, (byte)'_', (byte)'C', (byte)'R', (byte)'S', 0x11, 0x11, 0x0A, 0x0E,
        0x86, 0x09, 0x00, 0x01, 0x00, 0x00, 0x00, 0xF4, 0x00, 0x00, 0x00, 0x04, 0x79, 0x00,
    ];

    [Test]
    public void The_osc_method_is_crosvms_pci_root_osc()
    {
        byte[] expected =
        [
            0x14, 0x46, 0x05, (byte)'_', (byte)'O', (byte)'S', (byte)'C', 0x04,
            // CreateDWordField(Arg3, Zero, CDW1)
            0x8A, 0x6B, 0x00, (byte)'C', (byte)'D', (byte)'W', (byte)'1',
            // If (LEqual(Arg0, ToUUID("33DB4D5B-1FF7-401C-9657-7441C03DD766")))
            0xA0, 0x38, 0x93, 0x68, 0x11, 0x13, 0x0A, 0x10,
            0x5B, 0x4D, 0xDB, 0x33, 0xF7, 0x1F, 0x1C, 0x40, 0x96, 0x57, 0x74, 0x41, 0xC0, 0x3D, 0xD7, 0x66,
            // CreateDWordField(Arg3, 8, CDW3)
            0x8A, 0x6B, 0x0A, 0x08, (byte)'C', (byte)'D', (byte)'W', (byte)'3',
            // If (LEqual(Zero, And(CDW1, One, Zero))) { And(0xFFFFFFF5, CDW3, CDW3) }
            0xA0, 0x18, 0x93, 0x00, 0x7B, (byte)'C', (byte)'D', (byte)'W', (byte)'1', 0x01, 0x00,
            0x7B, 0x0C, 0xF5, 0xFF, 0xFF, 0xFF, (byte)'C', (byte)'D', (byte)'W', (byte)'3', (byte)'C', (byte)'D', (byte)'W', (byte)'3',
            // Else { Or(4, CDW1, CDW1) }
            0xA1, 0x0C, 0x7D, 0x0A, 0x04, (byte)'C', (byte)'D', (byte)'W', (byte)'1', (byte)'C', (byte)'D', (byte)'W', (byte)'1',
            // Return(Arg3)
            0xA4, 0x6B,
        ];

        CrosvmDsdt.Osc().ShouldBe(expected);
    }

    [Test]
    public void Mb00_reserves_the_ecam()
    {
        var aml = CrosvmDsdt.DefinitionBlock();
        aml.AsSpan().EndsWith(Mb00).ShouldBeTrue();
    }

    [Test]
    public void The_pci_root_crs_is_the_bus_range_config_ports_and_both_mmio_pools()
    {
        byte[] expected =
        [
            0x08, (byte)'_', (byte)'C', (byte)'R', (byte)'S', 0x11, 0x46, 0x06, 0x0A, 0x62,
            // WordBusNumber(ResourceProducer, MinFixed, MaxFixed, , 0, 0, 63, 0, 64)
            0x88, 0x0D, 0x00, 0x02, 0x0C, 0x00, 0x00, 0x00, 0x00, 0x00, 0x3F, 0x00, 0x00, 0x00, 0x40, 0x00,
            // IO(Decode16, 0xCF8, 0xCF8, 1, 8)
            0x47, 0x01, 0xF8, 0x0C, 0xF8, 0x0C, 0x01, 0x08,
            // DWordMemory(…, NonCacheable, ReadWrite, 0, 0xD0000000, 0xF7FFFFFF, 0, 0x28000000)
            0x87, 0x17, 0x00, 0x00, 0x0C, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xD0, 0xFF, 0xFF, 0xFF, 0xF7,
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x28,
            // QWordMemory(…, NonCacheable, ReadWrite, 0, 0x108000000, 0xFFFFFFFFFF, 0, 0xFEF8000000)
            0x8A, 0x2B, 0x00, 0x00, 0x0C, 0x01, 0, 0, 0, 0, 0, 0, 0, 0,
            0x00, 0x00, 0x00, 0x08, 0x01, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00,
            0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x00, 0x00, 0xF8, 0xFE, 0x00, 0x00, 0x00,
            0x79, 0x00,
        ];

        var aml = CrosvmDsdt.DefinitionBlock();
        aml.AsSpan().IndexOf(expected).ShouldBeGreaterThan(0);
    }

    [Test]
    public void The_pci_root_has_crosvms_ids_and_an_empty_prt()
    {
        var aml = CrosvmDsdt.DefinitionBlock();
        // Name(_HID, EisaId("PNP0A08")), Name(_CID, EisaId("PNP0A03")), then _ADR, _SEG, _UID, SUPP all Zero.
        byte[] ids =
        [
            0x08, (byte)'_', (byte)'H', (byte)'I', (byte)'D', 0x0C, 0x41, 0xD0, 0x0A, 0x08,
            0x08, (byte)'_', (byte)'C', (byte)'I', (byte)'D', 0x0C, 0x41, 0xD0, 0x0A, 0x03,
            0x08, (byte)'_', (byte)'A', (byte)'D', (byte)'R', 0x00,
            0x08, (byte)'_', (byte)'S', (byte)'E', (byte)'G', 0x00,
            0x08, (byte)'_', (byte)'U', (byte)'I', (byte)'D', 0x00,
            0x08, (byte)'S', (byte)'U', (byte)'P', (byte)'P', 0x00,
        ];
        aml.AsSpan().IndexOf(ids).ShouldBeGreaterThan(0);
        // Name(_PRT, Package(0) {}) right after _OSC, closing PC00.
        byte[] prt = [0x08, (byte)'_', (byte)'P', (byte)'R', (byte)'T', 0x12, 0x02, 0x00];
        aml.AsSpan().IndexOf([.. CrosvmDsdt.Osc(), .. prt, .. Mb00]).ShouldBeGreaterThan(0);
    }
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * The hyperv platform: SynIC traffic through the real Hyper-V interfaces.
 *
 * The kernel's built-in Hyper-V support (arch/x86/hyperv, drivers/hv/
 * hv_common.c) has already mapped the hypercall page, read the VP indexes and
 * allocated per-CPU hypercall input pages by the time a module loads; this
 * file adds what the in-tree hv_vmbus would: the per-CPU SynIC (SIMP, SIEFP,
 * SINT 2, SCONTROL), the VMBus interrupt entry and the two hypercalls.
 *
 * Everything used is exported by vmlinux on both Debian kernels (6.1 and
 * 6.12, checked against their Module.symvers): hv_is_hyperv_initialized,
 * ms_hyperv, hv_hypercall_pg, hyperv_pcpu_input_arg, hv_vp_index,
 * hv_root_partition, hv_is_isolation_supported, hv_isolation_type_snp,
 * hv_setup_vmbus_handler, hv_remove_vmbus_handler, hv_stimer_legacy_init,
 * hv_stimer_legacy_cleanup, hv_stimer0_isr, and the MSR accessors'
 * back ends (6.1: hv_ghcb_msr_read/write; 6.12: hv_get_msr/hv_set_msr,
 * hv_isolation_type_tdx, hv_tdx_hypercall, hyperv_paravisor_present).
 *
 * Not supported, refused with -ENODEV: isolated VMs (SNP/TDX: the SynIC
 * pages must be decrypted or come from the paravisor), the root partition,
 * architectures without a fixed hypervisor callback vector (arm64), and the
 * MMIO ranges of the ACPI node (vmbus_allocate_mmio, used by hyperv_fb and
 * pci-hyperv).  Where Hyper-V lacks direct-mode stimers the clock events
 * arrive as HVIS_MSG_TIMER_EXPIRED in SINT 2: the core's vmbus_isr() hands
 * those to hv_stimer0_isr() through the timer_msg op.
 */
#include <linux/acpi.h>
#include <linux/cpuhotplug.h>
#include <linux/gfp.h>
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/platform_device.h>

#include <asm/mshyperv.h>
#include <clocksource/hyperv_timer.h>

#include "vmbus_priv.h"

/*
 * x86 delivers SINT 2 on a fixed vector with its own IDT entry; arm64 needs a
 * per-CPU IRQ from the ACPI node instead, which this file does not do.
 */
#ifdef HYPERVISOR_CALLBACK_VECTOR
#define HYPERV_SINT_VECTOR	HYPERVISOR_CALLBACK_VECTOR
#else
#define HYPERV_SINT_VECTOR	0
#endif

/*
 * Per-CPU SynIC pages.  Allocated for every possible CPU before the hotplug
 * state exists and freed after it is gone; the hotplug callbacks only point
 * the MSRs at them.  Read by the interrupt path on their own CPU and by the
 * core through the simp/siefp ops.
 */
struct hyperv_synic_cpu {
	void *simp_page;
	void *siefp_page;
};

static DEFINE_PER_CPU(struct hyperv_synic_cpu, hyperv_synic);

/*
 * Locking: the globals below are written only by probe/remove, which the
 * driver core serialises, and by platform_hyperv_init/exit.  hyperv_live
 * gates the interrupt handler: set before attach, cleared after detach.
 */
static int hyperv_cpuhp_state = -1;
static bool hyperv_live;
static bool hyperv_bound;
static int hyperv_probe_ret = -ENODEV;
static bool hyperv_registered;

/* A hypercall does not block: @can_sleep makes no difference here. */
static u32 hyperv_post_msg(u32 connection_id, u32 message_type,
			   const void *payload, u32 len, bool can_sleep)
{
	struct hvis_post_message_input *in;
	unsigned long flags;
	u64 status;

	if (len > HVIS_MESSAGE_PAYLOAD_SIZE)
		return HVIS_STATUS_INVALID_PARAMETER;

	/*
	 * The per-CPU input page is shared with every other hypercall user on
	 * this CPU, interrupt handlers included: own it with interrupts off.
	 * It is page-aligned, so the 256-byte block neither crosses a page
	 * nor breaks the hypercall's 8-byte alignment rule.
	 */
	local_irq_save(flags);
	in = *this_cpu_ptr(hyperv_pcpu_input_arg);
	if (unlikely(!in)) {
		local_irq_restore(flags);
		return HVIS_STATUS_INSUFFICIENT_MEMORY;
	}
	in->connection_id = connection_id;
	in->reserved = 0;
	in->message_type = message_type;
	in->payload_size = len;
	memcpy(in->payload, payload, len);
	status = hv_do_hypercall(HVIS_HVCALL_POST_MESSAGE, in, NULL);
	local_irq_restore(flags);

	return status & HV_HYPERCALL_RESULT_MASK;
}

static void hyperv_signal_event(u32 connection_id)
{
	/* Flag number 0 (bits 24..39) is what VMBus channels use. */
	hv_do_fast_hypercall8(HVIS_HVCALL_SIGNAL_EVENT,
			      connection_id & HVIS_CONNECTION_ID_MASK);
}

static void hyperv_eom(unsigned int cpu)
{
	/* The EOM MSR acts on the executing CPU's SynIC only. */
	WARN_ON_ONCE(cpu != smp_processor_id());
	hvis_hv_set_msr(HVIS_HV_MSR(EOM), 0);
}

static struct hvis_synic_message_page *hyperv_simp(unsigned int cpu)
{
	return per_cpu(hyperv_synic, cpu).simp_page;
}

static struct hvis_synic_event_flags_page *hyperv_siefp(unsigned int cpu)
{
	return per_cpu(hyperv_synic, cpu).siefp_page;
}

static u32 hyperv_vp_index(unsigned int cpu)
{
	return hv_vp_index ? hv_vp_index[cpu] : cpu;
}

/* vmlinux exports hv_stimer0_isr on both kernels (Module.symvers). */
static void hyperv_timer_msg(void)
{
	hv_stimer0_isr();
}

static const struct vmbus_platform_ops hyperv_ops = {
	.name		= "hyperv",
	.post_msg	= hyperv_post_msg,
	.signal_event	= hyperv_signal_event,
	.eom		= hyperv_eom,
	.simp		= hyperv_simp,
	.siefp		= hyperv_siefp,
	.vp_index	= hyperv_vp_index,
	.timer_msg	= hyperv_timer_msg,
};

/* Called from the arch's HYPERVISOR_CALLBACK_VECTOR entry. */
static void hyperv_vmbus_handler(void)
{
	if (READ_ONCE(hyperv_live))
		vmbus_isr(smp_processor_id());
}

/* Runs on @cpu itself (CPUHP_AP_ONLINE_DYN): the SynIC MSRs are per-CPU. */
static int hyperv_synic_cpu_online(unsigned int cpu)
{
	struct hyperv_synic_cpu *sc = per_cpu_ptr(&hyperv_synic, cpu);
	union hv_synic_scontrol sctrl;
	union hv_synic_siefp siefp;
	union hv_synic_sint sint;
	union hv_synic_simp simp;

	simp.as_uint64 = hvis_hv_get_msr(HVIS_HV_MSR(SIMP));
	simp.base_simp_gpa = virt_to_phys(sc->simp_page) >> HV_HYP_PAGE_SHIFT;
	simp.simp_enabled = 1;
	hvis_hv_set_msr(HVIS_HV_MSR(SIMP), simp.as_uint64);

	siefp.as_uint64 = hvis_hv_get_msr(HVIS_HV_MSR(SIEFP));
	siefp.base_siefp_gpa = virt_to_phys(sc->siefp_page) >> HV_HYP_PAGE_SHIFT;
	siefp.siefp_enabled = 1;
	hvis_hv_set_msr(HVIS_HV_MSR(SIEFP), siefp.as_uint64);

	sint.as_uint64 = hvis_hv_get_msr(HVIS_HV_MSR(SINT0) +
					 HVIS_VMBUS_MESSAGE_SINT);
	sint.vector = HYPERV_SINT_VECTOR;
	sint.masked = 0;
	/*
	 * Auto-EOI unless Hyper-V asks us to stop using it; the arch entry
	 * then EOIs the local APIC itself on the same hint.
	 */
	sint.auto_eoi = !(ms_hyperv.hints & HV_DEPRECATING_AEOI_RECOMMENDED);
	hvis_hv_set_msr(HVIS_HV_MSR(SINT0) + HVIS_VMBUS_MESSAGE_SINT,
			sint.as_uint64);

	sctrl.as_uint64 = hvis_hv_get_msr(HVIS_HV_MSR(SCONTROL));
	sctrl.enable = 1;
	hvis_hv_set_msr(HVIS_HV_MSR(SCONTROL), sctrl.as_uint64);

	/* Message-mode stimer0 shares SINT 2; a no-op in direct mode. */
	hv_stimer_legacy_init(cpu, HVIS_VMBUS_MESSAGE_SINT);
	return 0;
}

/*
 * Hyper-V cannot move a channel's interrupts or the connection's messages
 * to another CPU, so while connected a CPU that is the connect CPU or some
 * channel's target must stay online.  Takes channel_mutex under the CPU
 * hotplug lock: the core must never take cpus_read_lock() while holding
 * channel_mutex.
 */
static bool hyperv_cpu_busy(unsigned int cpu)
{
	struct vmbus_channel *ch, *sc;
	bool busy = false;

	if (READ_ONCE(vmbus_conn.state) != VMBUS_CONNECTED)
		return false;
	if (cpu == READ_ONCE(vmbus_conn.connect_cpu))
		return true;

	mutex_lock(&vmbus_conn.channel_mutex);
	list_for_each_entry(ch, &vmbus_conn.chn_list, listentry) {
		if (ch->target_cpu == cpu)
			busy = true;
		list_for_each_entry(sc, &ch->sc_list, sc_list)
			if (sc->target_cpu == cpu)
				busy = true;
		if (busy)
			break;
	}
	mutex_unlock(&vmbus_conn.channel_mutex);
	return busy;
}

static int hyperv_synic_cpu_offline(unsigned int cpu)
{
	union hv_synic_scontrol sctrl;
	union hv_synic_siefp siefp;
	union hv_synic_sint sint;
	union hv_synic_simp simp;

	if (hyperv_cpu_busy(cpu))
		return -EBUSY;

	hv_stimer_legacy_cleanup(cpu);

	sint.as_uint64 = hvis_hv_get_msr(HVIS_HV_MSR(SINT0) +
					 HVIS_VMBUS_MESSAGE_SINT);
	sint.masked = 1;
	hvis_hv_set_msr(HVIS_HV_MSR(SINT0) + HVIS_VMBUS_MESSAGE_SINT,
			sint.as_uint64);

	simp.as_uint64 = hvis_hv_get_msr(HVIS_HV_MSR(SIMP));
	simp.simp_enabled = 0;
	simp.base_simp_gpa = 0;
	hvis_hv_set_msr(HVIS_HV_MSR(SIMP), simp.as_uint64);

	siefp.as_uint64 = hvis_hv_get_msr(HVIS_HV_MSR(SIEFP));
	siefp.siefp_enabled = 0;
	siefp.base_siefp_gpa = 0;
	hvis_hv_set_msr(HVIS_HV_MSR(SIEFP), siefp.as_uint64);

	sctrl.as_uint64 = hvis_hv_get_msr(HVIS_HV_MSR(SCONTROL));
	sctrl.enable = 0;
	hvis_hv_set_msr(HVIS_HV_MSR(SCONTROL), sctrl.as_uint64);
	return 0;
}

static void hyperv_synic_pages_free(void)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		struct hyperv_synic_cpu *sc = per_cpu_ptr(&hyperv_synic, cpu);

		free_page((unsigned long)sc->simp_page);
		free_page((unsigned long)sc->siefp_page);
		sc->simp_page = NULL;
		sc->siefp_page = NULL;
	}
}

static int hyperv_synic_pages_alloc(void)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		struct hyperv_synic_cpu *sc = per_cpu_ptr(&hyperv_synic, cpu);

		sc->simp_page = (void *)get_zeroed_page(GFP_KERNEL);
		sc->siefp_page = (void *)get_zeroed_page(GFP_KERNEL);
		if (!sc->simp_page || !sc->siefp_page) {
			hyperv_synic_pages_free();
			return -ENOMEM;
		}
	}
	return 0;
}

/* Bring the SynIC up on every CPU and hand the platform to the core. */
static int hyperv_start(struct device *parent)
{
	int ret;

	ret = hyperv_synic_pages_alloc();
	if (ret)
		return ret;

	hv_setup_vmbus_handler(hyperv_vmbus_handler);

	/* Also runs the online callback on each CPU already up. */
	ret = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "hvis/vmbus:online",
				hyperv_synic_cpu_online,
				hyperv_synic_cpu_offline);
	if (ret < 0)
		goto err_remove_handler;
	hyperv_cpuhp_state = ret;

	WRITE_ONCE(hyperv_live, true);
	ret = vmbus_platform_attach(&hyperv_ops, parent);
	if (ret)
		goto err_remove_cpuhp;
	return 0;

err_remove_cpuhp:
	WRITE_ONCE(hyperv_live, false);
	cpuhp_remove_state(hyperv_cpuhp_state);
	hyperv_cpuhp_state = -1;
err_remove_handler:
	hv_remove_vmbus_handler();
	hyperv_synic_pages_free();
	return ret;
}

static void hyperv_stop(void)
{
	vmbus_platform_detach(&hyperv_ops);
	WRITE_ONCE(hyperv_live, false);
	/*
	 * Masks SINT 2 on every CPU, each from that CPU: once this returns no
	 * handler is running or can start, so the pages may go.
	 */
	cpuhp_remove_state(hyperv_cpuhp_state);
	hyperv_cpuhp_state = -1;
	hv_remove_vmbus_handler();
	hyperv_synic_pages_free();
}

static int hyperv_acpi_bind(struct device *parent)
{
	if (hyperv_bound)
		return -EBUSY;
	hyperv_probe_ret = hyperv_start(parent);
	if (hyperv_probe_ret)
		return hyperv_probe_ret;
	hyperv_bound = true;
	return 0;
}

static void hyperv_acpi_unbind(void)
{
	if (!hyperv_bound)
		return;
	hyperv_stop();
	hyperv_bound = false;
}

static const struct acpi_device_id hyperv_acpi_ids[] = {
	{ "VMBUS", 0 },
	{ "VMBus", 0 },
	{ "", 0 },
};

#if HVIS_VMBUS_ACPI_PLATFORM_DRIVER
static int hyperv_acpi_probe(struct platform_device *pdev)
{
	return hyperv_acpi_bind(&pdev->dev);
}

static void hyperv_acpi_remove(struct platform_device *pdev)
{
	hyperv_acpi_unbind();
}

static struct platform_driver hyperv_acpi_driver = {
	.probe = hyperv_acpi_probe,
	.remove = hyperv_acpi_remove,
	.driver = {
		.name = "vmbus",
		.acpi_match_table = hyperv_acpi_ids,
		.probe_type = PROBE_FORCE_SYNCHRONOUS,
	},
};

static int hyperv_acpi_register(void)
{
	return platform_driver_register(&hyperv_acpi_driver);
}

static void hyperv_acpi_unregister(void)
{
	platform_driver_unregister(&hyperv_acpi_driver);
}
#else
static int hyperv_acpi_add(struct acpi_device *adev)
{
	return hyperv_acpi_bind(&adev->dev);
}

static int hyperv_acpi_remove(struct acpi_device *adev)
{
	hyperv_acpi_unbind();
	return 0;
}

static struct acpi_driver hyperv_acpi_driver = {
	.name = "vmbus",
	.ids = hyperv_acpi_ids,
	.ops = {
		.add = hyperv_acpi_add,
		.remove = hyperv_acpi_remove,
	},
	.drv.probe_type = PROBE_FORCE_SYNCHRONOUS,
};

static int hyperv_acpi_register(void)
{
	return acpi_bus_register_driver(&hyperv_acpi_driver);
}

static void hyperv_acpi_unregister(void)
{
	acpi_bus_unregister_driver(&hyperv_acpi_driver);
}
#endif

/* Why this platform cannot run here, or NULL if it can. */
static const char *hyperv_unsupported(void)
{
	if (!hv_is_hyperv_initialized())
		return "";	/* not on Hyper-V: stay silent */
	if (!HYPERV_SINT_VECTOR)
		return "no fixed hypervisor callback vector";
	if (hv_root_partition)
		return "root partition";
	if (hv_is_isolation_supported())
		return "isolated VM";
	if (!(ms_hyperv.features & HV_MSR_SYNIC_AVAILABLE))
		return "no SynIC";
	if (!hv_hypercall_pg || !hyperv_pcpu_input_arg || !hv_vp_index)
		return "hypercall support not initialised";
	if (acpi_disabled)
		return "ACPI disabled";
	return NULL;
}

int platform_hyperv_init(void)
{
	const char *why = hyperv_unsupported();
	int ret;

	if (why) {
		if (*why)
			pr_info("hyperv platform not used: %s\n", why);
		return -ENODEV;
	}

	/* Probe is synchronous: the ACPI node is bound or not on return. */
	ret = hyperv_acpi_register();
	if (ret)
		return ret;
	if (!hyperv_bound) {
		hyperv_acpi_unregister();
		pr_info("hyperv platform not used: no VMBus ACPI node (%d)\n",
			hyperv_probe_ret);
		return hyperv_probe_ret;
	}
	hyperv_registered = true;
	return 0;
}

void platform_hyperv_exit(void)
{
	if (!hyperv_registered)
		return;
	hyperv_acpi_unregister();
	hyperv_registered = false;
}

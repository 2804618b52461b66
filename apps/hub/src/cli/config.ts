/**
 * `npm run config -- <command>`: the information manager's tool for region configuration.
 *
 *   validate <regionDir>                       check a region (and its regie table); exit 1 with every problem
 *   diff <oldRegionDir> <newRegionDir>         what changed between two versions
 *   explain <regionDir> <event.json> [--municipality GM0034] [--involved a,b]
 *                                              who would receive the event, under which rule and basis;
 *                                              sends nothing
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Contracts, decodeCloudEvent } from '@ketenhub/contracts';
import { loadRegion, diffRegions, resolveRecipients, RegionConfigError, type Region } from '@ketenhub/routing';

const USAGE = `usage:
  npm run config -- validate <regionDir>
  npm run config -- diff <oldRegionDir> <newRegionDir>
  npm run config -- explain <regionDir> <event.json> [--municipality GM0034] [--involved partnerA,partnerB]`;

class UsageError extends Error {}

function load(dir: string | undefined, contracts: Contracts): Region {
  if (!dir) throw new UsageError('a region folder is missing');
  return loadRegion(path.resolve(dir), contracts);
}

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

function run(args: string[], out: (line: string) => void): number {
  const contracts = Contracts.load();
  const [command, ...rest] = args;
  switch (command) {
    case 'validate': {
      const region = load(rest[0], contracts);
      const c = region.config;
      out(`valid: region ${c.region} (${c.name}), version ${region.version}: ${c.municipalities.length} municipalities, ${c.partners.length} partners, ${c.routes.length} routes, regie table ${region.regieTable.table} ${region.regieTable.version}`);
      return 0;
    }
    case 'diff': {
      const changes = diffRegions(load(rest[0], contracts), load(rest[1], contracts));
      if (changes.length === 0) out('no differences');
      changes.forEach(out);
      return 0;
    }
    case 'explain': {
      const region = load(rest[0], contracts);
      const file = rest[1];
      if (!file) throw new UsageError('the event file is missing');
      const bytes = fs.readFileSync(path.resolve(file));
      const source = (() => {
        try {
          return String((JSON.parse(bytes.toString('utf8')) as { source?: unknown }).source ?? '');
        } catch {
          return '';
        }
      })();
      const sender = source.replace(/^urn:ketenhub:partner:/, '');
      const partner = region.partner(sender);
      if (!partner) {
        out(`${file}: source '${source}' is not a partner of region ${region.config.region}`);
        return 1;
      }
      const decoded = decodeCloudEvent(bytes, contracts, { maxBytes: 16 * 1024 * 1024, expectedSource: source });
      if (!decoded.ok) {
        out(`${file}: would be rejected (${decoded.reason}):`);
        decoded.errors.forEach((e) => out(`  ${e.pointer || '/'}: ${e.message} (${e.keyword})`));
        return 1;
      }
      if (!contracts.publishersOf(decoded.event.type).includes(partner.role)) {
        out(`${file}: would be rejected (NIET_TOEGESTAAN): a ${partner.role} may not publish ${decoded.event.type}`);
        return 1;
      }
      const data = decoded.event.data as Record<string, unknown>;
      const municipality = option(rest, '--municipality') ?? (typeof data.gemeente === 'string' ? data.gemeente : undefined);
      const involved = (option(rest, '--involved') ?? '').split(',').filter(Boolean);
      const recipients = resolveRecipients(region, { eventType: decoded.event.type, senderId: sender, municipality, involved });
      out(`${decoded.event.type} from ${sender} (municipality ${municipality ?? 'unknown'}, involved: ${involved.join(', ') || 'none'}), configuration ${region.version}:`);
      if (recipients.length === 0) out('  nobody: no route names this event for these facts');
      for (const r of recipients) out(`  → ${r.partnerId}: all fields of data (BSNs as persoonId), rule ${r.routeId}, legal basis ${r.legalBasis}, purpose "${r.purpose}"`);
      out('  (the hub\'s own decisions that may follow, e.g. regisseur-toegewezen, depend on the family\'s history and are not shown)');
      return 0;
    }
    default:
      throw new UsageError(command ? `unknown command '${command}'` : 'a command is missing');
  }
}

try {
  process.exitCode = run(process.argv.slice(2), (line) => process.stdout.write(`${line}\n`));
} catch (error) {
  if (error instanceof UsageError) {
    process.stderr.write(`config: ${error.message}\n${USAGE}\n`);
    process.exitCode = 2;
  } else if (error instanceof RegionConfigError) {
    process.stderr.write(`config: ${error.message}\n`);
    process.exitCode = 1;
  } else {
    process.stderr.write(`config: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  }
}

#!/usr/bin/env node
// SPDX-License-Identifier: MIT
//
// query.mjs DIR [--prefix wgtap/] [--format v1|v2] [--day YYYY-MM-DD]
//           [--dns HOST/YYYY-MM-DD] [--fleet] [--names CSV]
//
// Queries a local copy of a wgtap bucket (DIR holds the object keys as
// paths: DIR/PREFIX host=H/dt=D/hour=HH/SEGMENT.csv.gz or .csv.zst) with
// DuckDB, through @duckdb/node-api, reading the gzip'd and the zstd'd CSV
// segments side by side (each file's compression from its name) with Hive
// partitioning.
// Prints one result per line, for tests/t-query.sh to compare:
//
//   engine DuckDB VERSION node-api VERSION
//   count HOST DT ROWS BYTES       rows and sum(size) per (host, dt)
//   misplaced N                    rows whose dt/hour partition is not the
//                                  UTC date/hour of their timestamp
//   nulls N                        rows with a NULL where none may be
//   day DT HOST ROWS               WHERE dt = DT (--day)
//   pruned DT SCANNED/TOTAL READ FILE...   the files that query read
//   dns TIMESTAMP ID QTYPE QNAME HEX       the first DNS row of HOST on DT
//                                  (--dns), decoded in SQL: HEX is the
//                                  whole message, the rest parsed from it
//   newcols N                      (--format v2) rows with any of the five
//                                  v2 columns not NULL
//   fleet HOST PEER DT HOUR PACKETS BYTES NAMES   (--fleet) the README's
//                                  fleet query: per host, peer ("-" for
//                                  none) and hour, packets, bytes and
//                                  distinct DNS names asked
//   dir HOST DIRECTION N           (--fleet) rows per host and direction
//   named CLIENT DIRECTION PACKETS BYTES   (--names, with --fleet) the
//                                  README's join of the operator's
//                                  (peer, name) table, CSV, on 2026-01-02:
//                                  per name (else key, else "(no peer)")
//                                  and direction ("-" for none)
//
// --format v2 reads with the thirteen v2 columns (null_padding: v1 files
// too); v1 with the eight (strict_mode off: v2 files too).
//
// Exits 1 with a message on stderr if a query fails.

import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';

const { values: opt, positionals } = parseArgs({
	allowPositionals: true,
	options: {
		prefix: { type: 'string', default: 'wgtap/' },
		format: { type: 'string', default: 'v1' },
		fleet: { type: 'boolean', default: false },
		names: { type: 'string' },
		day: { type: 'string' },
		dns: { type: 'string' },
	},
});
if (positionals.length !== 1) {
	console.error('usage: query.mjs DIR [--prefix P] [--day DATE] [--dns HOST/DATE]');
	process.exit(2);
}

const lit = (s) => `'${String(s).replaceAll("'", "''")}'`;
const glob = `${positionals[0].replace(/\/+$/, '')}/${opt.prefix}*/*/*/*.csv.*`;

// Every column typed explicitly: no sniffing, so an odd segment cannot
// change a type, and the Hive keys are typed too (dt a DATE, not a string).
const source = `read_csv(${lit(glob)},
	header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
	columns = {'src': 'VARCHAR', 'src_port': 'INTEGER', 'dst': 'VARCHAR',
	           'dst_port': 'INTEGER', 'l3_protocol': 'VARCHAR', 'size': 'INTEGER',
	           'timestamp': 'BIGINT', 'dns': 'VARCHAR'${opt.format === 'v2' ? `,
	           'peer': 'VARCHAR', 'direction': 'VARCHAR', 'dns_qname': 'VARCHAR',
	           'dns_qtype': 'VARCHAR', 'dns_rcode': 'VARCHAR'},
	null_padding = true,` : `},
	strict_mode = false,`}
	hive_partitioning = true,
	hive_types = {'host': 'VARCHAR', 'dt': 'DATE', 'hour': 'INTEGER'})`;

// Everything used here is built into DuckDB: never fetch an extension.
const db = await DuckDBInstance.create(':memory:', {
	autoinstall_known_extensions: 'false',
	autoload_known_extensions: 'false',
});
const con = await db.connect();
const rows = async (sql) => (await con.runAndReadAll(sql)).getRows();
const out = (...f) => console.log(f.join(' '));

try {
	const require = createRequire(import.meta.url);
	const api = require('@duckdb/node-api/package.json').version;
	const [[version]] = await rows('SELECT version()');
	out('engine', 'DuckDB', version, 'node-api', api);

	for (const r of await rows(`
		SELECT host, dt::VARCHAR, count(*)::VARCHAR, sum(size)::VARCHAR
		FROM ${source} GROUP BY ALL ORDER BY ALL`))
		out('count', ...r);

	const [[misplaced]] = await rows(`
		SELECT count(*)::VARCHAR FROM ${source}
		WHERE dt <> CAST(make_timestamp_ns(timestamp) AS DATE)
		   OR hour <> hour(make_timestamp_ns(timestamp))`);
	out('misplaced', misplaced);

	const [[nulls]] = await rows(`
		SELECT count(*)::VARCHAR FROM ${source}
		WHERE src IS NULL OR dst IS NULL OR l3_protocol IS NULL
		   OR size IS NULL OR timestamp IS NULL
		   OR (l3_protocol IN ('TCP', 'UDP') AND (src_port IS NULL OR dst_port IS NULL))`);
	out('nulls', nulls);

	if (opt.day !== undefined) {
		const where = `WHERE dt = CAST(${lit(opt.day)} AS DATE)`;
		for (const r of await rows(`
			SELECT host, count(*)::VARCHAR FROM ${source} ${where}
			GROUP BY ALL ORDER BY ALL`))
			out('day', opt.day, ...r);
		// Which files did that query open? The scan's profile says.
		const [[, plan]] = await rows(
			`EXPLAIN (ANALYZE, FORMAT json) SELECT count(*) FROM ${source} ${where}`);
		const scan = (function find(node) {
			if (node.extra_info && node.extra_info['Scanning Files'] !== undefined)
				return node.extra_info;
			for (const c of node.children ?? []) {
				const f = find(c);
				if (f) return f;
			}
			return null;
		})(JSON.parse(plan));
		if (!scan) throw new Error('no "Scanning Files" in the query profile');
		const files = String(scan['Filename(s)'] ?? '').split(/[\n,]\s*/).filter(Boolean);
		out('pruned', opt.day, scan['Scanning Files'], scan['Total Files Read'], ...files);
	}

	if (opt.format === 'v2') {
		const [[n]] = await rows(`
			SELECT count(*)::VARCHAR FROM ${source}
			WHERE peer IS NOT NULL OR direction IS NOT NULL
			   OR dns_qname IS NOT NULL OR dns_qtype IS NOT NULL
			   OR dns_rcode IS NOT NULL`);
		out('newcols', n);
	}

	if (opt.fleet) {
		// The README's first fleet query, as written there.
		await con.run(`CREATE VIEW wgtap AS SELECT * FROM ${source}`);
		for (const r of await rows(`
			SELECT host, coalesce(peer, '-') AS peer, dt, hour,
			       count(*) AS packets, sum(size) AS bytes,
			       count(DISTINCT CASE WHEN direction = 'in' AND dns_rcode IS NULL
			                           THEN dns_qname END) AS names
			FROM wgtap
			GROUP BY host, peer, dt, hour
			ORDER BY host, peer, dt, hour`))
			out('fleet', ...r.map(String));
		for (const r of await rows(`
			SELECT host, coalesce(direction, '-'), count(*)::VARCHAR FROM wgtap
			GROUP BY ALL ORDER BY ALL`))
			out('dir', ...r);
		if (opt.names !== undefined) {
			// The README's name join, as written there but for the path.
			await con.run(`
				CREATE TABLE peer_names AS
				SELECT * FROM read_csv(${lit(opt.names)}, header = true,
				    columns = {'peer': 'VARCHAR', 'name': 'VARCHAR'})`);
			for (const r of await rows(`
				SELECT coalesce(n.name, w.peer, '(no peer)') AS client, w.direction,
				       count(*) AS packets, sum(w.size) AS bytes
				FROM wgtap w LEFT JOIN peer_names n ON n.peer = w.peer
				WHERE w.dt = DATE '2026-01-02'
				GROUP BY 1, 2 ORDER BY bytes DESC`))
				out('named', ...r.map((v) => String(v ?? '-')));
		}
	}

	if (opt.dns !== undefined) {
		const [host, day] = opt.dns.split('/');
		// The message as hex, then its question name walked label by label
		// (a recursive CTE), the ID and the QTYPE after the name.
		for (const r of await rows(`
			WITH RECURSIVE msg AS (
				SELECT timestamp, hex(from_base64(dns)) AS h FROM ${source}
				WHERE host = ${lit(host)} AND dt = CAST(${lit(day)} AS DATE) AND dns <> ''
				ORDER BY timestamp LIMIT 1
			), walk(off, name, len) AS (
				SELECT 12, '', CAST('0x' || substr(h, 25, 2) AS INTEGER) FROM msg
				UNION ALL
				SELECT off + 1 + len,
				       concat_ws('.', nullif(name, ''),
				                 decode(unhex(substr(h, 2 * off + 3, 2 * len)))),
				       CAST('0x' || substr(h, 2 * (off + 1 + len) + 1, 2) AS INTEGER)
				FROM walk, msg WHERE len BETWEEN 1 AND 63
			)
			SELECT timestamp::VARCHAR,
			       CAST('0x' || substr(h, 1, 4) AS INTEGER)::VARCHAR,
			       CAST('0x' || substr(h, 2 * off + 3, 4) AS INTEGER)::VARCHAR,
			       name, lower(h)
			FROM walk, msg WHERE len = 0`))
			out('dns', ...r);
	}
} catch (e) {
	console.error(`query.mjs: ${e.message}`);
	process.exitCode = 1;
} finally {
	con.closeSync?.();
	db.closeSync?.();
}

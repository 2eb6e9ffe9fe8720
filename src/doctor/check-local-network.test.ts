/**
 * What `corsproof check` reads Local Network Access from: the address space a
 * URL's host names (engine/address-space.ts hostAddressSpace), and whether a
 * page of one origin reaching a URL is a local network request
 * (localNetworkSpaces), for hosts as the URL parser serializes them.
 */
import { describe, expect, it } from 'vitest';
import { hostAddressSpace, isSecureContextOrigin, localNetworkSpaces } from '../engine/address-space.js';
import type { AddressSpace } from '../engine/types.js';

const hostOf = (url: string): string => new URL(url).hostname;

describe('hostAddressSpace: a URL host literal read as an address space', () => {
  const table: Array<[string, AddressSpace]> = [
    ['http://localhost:3000/', 'loopback'],
    ['http://api.localhost/', 'loopback'],
    ['http://127.0.0.1/', 'loopback'],
    ['http://127.1/', 'loopback'], // the URL parser writes it 127.0.0.1
    ['http://127.255.0.9/', 'loopback'],
    ['http://[::1]:8080/', 'loopback'],
    ['http://[0:0:0:0:0:0:0:1]/', 'loopback'],
    ['http://[::ffff:127.0.0.1]/', 'loopback'], // IPv4-mapped, written [::ffff:7f00:1]
    ['http://10.1.2.3/', 'local'],
    ['http://172.16.0.1/', 'local'],
    ['http://172.31.255.255/', 'local'],
    ['http://192.168.1.10/', 'local'],
    ['http://169.254.169.254/', 'local'],
    ['http://[fc00::1]/', 'local'],
    ['http://[fd12:3456::1]/', 'local'],
    ['http://[fe80::1]/', 'local'],
    ['http://[::ffff:192.168.0.1]/', 'local'],
    ['http://172.15.0.1/', 'public'],
    ['http://172.32.0.1/', 'public'],
    ['http://192.169.0.1/', 'public'],
    ['http://8.8.8.8/', 'public'],
    ['http://[2001:db8::1]/', 'public'],
    ['http://[::]/', 'public'],
    ['https://api.example.com/', 'public'],
    ['https://localhost.example.com/', 'public'],
    ['https://127.0.0.1.nip.io/', 'public'], // a DNS name: what it resolves to is not known here
  ];
  it.each(table)('%s is %s', (url, space) => {
    expect(hostAddressSpace(hostOf(url))).toBe(space);
  });
  it('isSecureContextOrigin reads loopback through it: http on localhost, 127/8, [::1] only', () => {
    expect(['http://localhost:5173', 'http://a.localhost', 'http://127.0.0.2', 'http://[::1]:80'].map(isSecureContextOrigin)).toEqual([true, true, true, true]);
    expect(['http://10.0.0.1', 'http://192.168.1.1:8080', 'http://app.example'].map(isSecureContextOrigin)).toEqual([false, false, false]);
  });
});

describe('localNetworkSpaces: only a public page reaching loopback or the LAN', () => {
  const table: Array<[string, string, { page: AddressSpace; target: AddressSpace } | null]> = [
    ['https://app.example.com', 'http://127.0.0.1:8080/api', { page: 'public', target: 'loopback' }],
    ['https://app.example.com', 'http://localhost:3000/api', { page: 'public', target: 'loopback' }],
    ['https://app.example.com', 'http://192.168.1.20/api', { page: 'public', target: 'local' }],
    ['http://app.example.com', 'http://[fe80::1]/', { page: 'public', target: 'local' }],
    ['https://app.example.com', 'https://api.example.com/', null],
    ['http://localhost:5173', 'http://127.0.0.1:8080/api', null],
    ['http://192.168.1.5:3000', 'http://127.0.0.1:8080/api', null], // local to loopback: not gated
    ['http://10.0.0.1', 'http://10.0.0.2/', null],
    ['null', 'http://127.0.0.1/', null],
  ];
  it.each(table)('%s → %s', (origin, url, spaces) => {
    expect(localNetworkSpaces(origin, url)).toEqual(spaces);
  });
});

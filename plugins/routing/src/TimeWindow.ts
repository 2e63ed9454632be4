// Whether a moment falls in a rule's time window, in the window's own time zone.
import type { TimeWindow } from './DialPlanSchema.ts';

const weekdays = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

export function isWithin(window: TimeWindow, now: Date): boolean {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: window.timeZone,
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(now);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  const day = part('weekday').toLowerCase() as (typeof weekdays)[number];
  const minutes = Number(part('hour')) * 60 + Number(part('minute'));
  if (!window.between) return !window.days || window.days.includes(day);
  const [from, to] = window.between.map(toMinutes) as [number, number];
  if (from <= to) return (!window.days || window.days.includes(day)) && minutes >= from && minutes < to;
  // A window across midnight belongs to the day it starts on: Friday 22:00–06:00 includes Saturday 03:00.
  if (minutes >= from) return !window.days || window.days.includes(day);
  const yesterday = weekdays[(weekdays.indexOf(day) + 6) % 7]!;
  return minutes < to && (!window.days || window.days.includes(yesterday));
}

function toMinutes(clock: string): number {
  const [hours, minutes] = clock.split(':').map(Number) as [number, number];
  return hours * 60 + minutes;
}

/**
 * The extension's only way to show a notification: every text goes through `notificationText` (one line,
 * bounded, links disarmed), since it may carry dataset cells, file names or engine errors.
 * ESLint forbids calling `vscode.window.show*Message` anywhere else.
 */
import * as vscode from 'vscode';
import { notificationText } from '../shared/safeText';

type Show = (message: string, ...rest: unknown[]) => Thenable<unknown>;

function shower(show: Show) {
  function notify<T extends string>(text: string, ...items: T[]): Thenable<T | undefined>;
  function notify<T extends string>(text: string, options: vscode.MessageOptions, ...items: T[]): Thenable<T | undefined>;
  function notify(text: string, ...rest: unknown[]): Thenable<unknown> {
    return show(notificationText(text), ...rest);
  }
  return notify;
}

/* eslint-disable no-restricted-syntax -- the one place that calls VS Code's notifications */
export const showError = shower((m, ...r) => vscode.window.showErrorMessage(m, ...(r as [])));
export const showWarning = shower((m, ...r) => vscode.window.showWarningMessage(m, ...(r as [])));
export const showInfo = shower((m, ...r) => vscode.window.showInformationMessage(m, ...(r as [])));
/* eslint-enable no-restricted-syntax */

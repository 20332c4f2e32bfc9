import '../shared/polyfills.ts';

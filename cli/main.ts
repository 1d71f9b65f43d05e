#!/usr/bin/env node
console.log('glorious: CLI under construction')

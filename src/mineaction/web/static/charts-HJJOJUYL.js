import{a,b,c}from"./chunk-LABE645V.js";import"./chunk-ICUQFIXG.js";export{b as barChart,a as disposeCharts,c as mountCharts};

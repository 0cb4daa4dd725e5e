'use client';

import { createContext, useContext, type ReactNode } from 'react';
import { useStore } from 'zustand';
import type { CanvasState, CanvasStore } from './store';
import type { CanvasUiState, CanvasUiStore } from './ui-store';

type Stores = { model: CanvasStore; ui: CanvasUiStore };

const StoresContext = createContext<Stores | null>(null);

export function CanvasStoresProvider({ stores, children }: { stores: Stores; children: ReactNode }) {
  return <StoresContext.Provider value={stores}>{children}</StoresContext.Provider>;
}

function useStores(): Stores {
  const stores = useContext(StoresContext);
  if (!stores) throw new Error('canvas components need a CanvasStoresProvider');
  return stores;
}

/** The model store itself, for event handlers that read the current graph without re-rendering on it. */
export function useCanvasStore(): CanvasStore {
  return useStores().model;
}

export function useCanvasUiStore(): CanvasUiStore {
  return useStores().ui;
}

/** A slice of the model; the component re-renders only when the slice changes. */
export function useCanvas<T>(selector: (state: CanvasState) => T): T {
  return useStore(useStores().model, selector);
}

export function useCanvasUi<T>(selector: (state: CanvasUiState) => T): T {
  return useStore(useStores().ui, selector);
}

export default function Home() {
  return <main>Flowline</main>;
}
